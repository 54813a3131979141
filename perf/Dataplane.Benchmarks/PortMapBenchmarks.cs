using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Bpf;

namespace Dataplane.Benchmarks;

/// <summary>
/// Installing 10,000 published ports (root): into the real dp_portmap hash element by element vs one
/// BPF_MAP_UPDATE_BATCH (raw: how ports on every address were written before dp_portmap_any), and through
/// the facade (AddPortMapping x10,000 vs AddPortMappings), which writes them into their dp_portmap_any slots.
/// Every iteration starts with the 10,000 keys absent; AlreadyPublished other ports stay in the
/// map, which the batch path's "not yet published" check has to read (target: 10,000 in ≤ 0.05 s).
/// </summary>
[Config(typeof(Config))]
public class PortMapBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(12)
            .WithInvocationCount(1).WithUnrollFactor(1).WithId("Install"));
    }

    private const int N = 10_000;
    private BenchDataPath _dp = null!;
    private BpfMap _portmap = null!;
    private PortMapping[] _mappings = [];
    private PortMapKey[] _keys = [];
    private PortMapValue[] _values = [];

    [Params(0, 5_000)]
    public int AlreadyPublished { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dp = BenchDataPath.Load();
        _portmap = _dp.Program.Object.Map(DataPathAbi.MapPortmap);
        var ctr = IPAddress.Parse("198.19.1.2");
        _mappings = Enumerable.Range(0, N).Select(i => new PortMapping((uint)(1 + i), new PublishedPort(IPAddress.Any, 20_000 + i, new ContainerPort(80, Proto.Tcp)), ctr)).ToArray();
        _keys = _mappings.Select(m => DataPathMaps.KeyOf(m.Port)).ToArray();
        _values = _mappings.Select(m => new PortMapValue { CtrAddrBe = NetOrder.AddrBe(ctr), CtrPortBe = NetOrder.PortBe(80), MappingId = m.Id }).ToArray();
        var host = IPAddress.Parse("198.18.0.1");
        _dp.Maps.AddPortMappings(Enumerable.Range(0, AlreadyPublished)
            .Select(i => new PortMapping((uint)(N + 1 + i % 5000), new PublishedPort(host, 1 + i, new ContainerPort(80, Proto.Tcp)), ctr)).ToArray());
    }

    /// <summary>The keys out of the raw hash (the raw rows write them there) and out of the facade's table
    /// (every-address ports live in dp_portmap_any's slots).</summary>
    [IterationSetup]
    public void Empty()
    {
        _portmap.DeleteBatch<PortMapKey>(_keys);
        _dp.Program.Ports.DeleteBatch(_keys);
    }

    [GlobalCleanup]
    public void Cleanup() => _dp.Dispose();

    [Benchmark(Baseline = true, Description = "BpfMap.Update(NOEXIST) x10,000")]
    public void UpdateElem()
    {
        for (int i = 0; i < N; i++) _portmap.Update(_keys[i], _values[i], BpfUpdate.NoExist);
    }

    [Benchmark(Description = "BpfMap.UpdateBatch(10,000)")]
    public void UpdateBatch() => _portmap.UpdateBatch<PortMapKey, PortMapValue>(_keys, _values, BpfUpdate.Any);

    [Benchmark(Description = "AddPortMapping x10,000")]
    public void AddPortMappingEach()
    {
        foreach (var m in _mappings) _dp.Maps.AddPortMapping(m);
    }

    [Benchmark(Description = "AddPortMappings(10,000)")]
    public void AddPortMappingsBatch() => _dp.Maps.AddPortMappings(_mappings);
}
