using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Observability;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Benchmarks;

/// <summary>
/// One Prometheus scrape (GET /metrics's work: every map read, the text written) against the real
/// maps (root) with 10,000 published ports and a full conntrack table (262,144 entries, 131,072
/// flows), time and allocations. Target: well under a second, little allocated beyond the table's walk.
/// Also the conntrack GC's sweep at the same fill (its cost per run, whatever the interval).
/// </summary>
[Config(typeof(Config)), MemoryDiagnoser]
public class MetricsScrapeBenchmarks
{
    private sealed class Config : ManualConfig
    {
        // In process: the setup pins maps under this process's bpffs directory and fills a 262,144-entry table once.
        public Config() => AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(8)
            .WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance).WithId("Scrape"));
    }

    private const int Ports = 10_000;
    private BenchDataPath _dp = null!;
    private DataplaneMetrics _metrics = null!;

    [Params(0, DataPathAbi.CtMaxDefault)]
    public int ConntrackEntries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dp = BenchDataPath.Load();
        var ctr = IPAddress.Parse("198.19.1.2");
        _dp.Maps.AddPortMappings(Enumerable.Range(0, Ports)
            .Select(i => new PortMapping((uint)(1 + i), new PublishedPort(IPAddress.Any, 20_000 + i, new ContainerPort(80, Proto.Tcp)), ctr)).ToArray());
        FillConntrack(_dp.Program.Object.Map(DataPathAbi.MapCt), ConntrackEntries / 2);
        var names = (IReadOnlyDictionary<IPAddress, string>)new Dictionary<IPAddress, string> { [ctr] = "web" };
        _metrics = new DataplaneMetrics(_dp.Maps, new DataPathReader(_dp.Program.Object), gc: null, _ => Task.FromResult(names));
        Scrape(); // the first scrape creates every series
    }

    /// <summary>Published-port flows, both directions, far from expiring: what a busy host holds.</summary>
    private static void FillConntrack(Dataplane.Interop.Bpf.BpfMap ct, int flows)
    {
        const int chunk = 8192;
        var keys = new CtKey[chunk * 2];
        var values = new CtValue[chunk * 2];
        uint host = NetOrder.AddrBe(IPAddress.Parse("198.18.0.1")), ctr = NetOrder.AddrBe(IPAddress.Parse("198.19.1.2"));
        ulong expires = ConntrackEntry.MonotonicNowNs() + 3600UL * 1_000_000_000;
        for (int start = 0; start < flows; start += chunk)
        {
            int n = Math.Min(chunk, flows - start);
            for (int i = 0; i < n; i++)
            {
                int f = start + i;
                uint client = NetOrder.AddrBe(new IPAddress(new byte[] { 198, 18, (byte)(1 + f / 60000), 1 }));
                ushort sport = NetOrder.PortBe((ushort)(1024 + f % 60000)), hport = NetOrder.PortBe((ushort)(20_000 + f % Ports)), cport = NetOrder.PortBe(80);
                keys[2 * i] = new CtKey { SAddrBe = client, DAddrBe = host, SPortBe = sport, DPortBe = hport, Proto = DataPathAbi.ProtoTcp };
                values[2 * i] = new CtValue { ExpiresNs = expires, NatSAddrBe = client, NatDAddrBe = ctr, NatSPortBe = sport, NatDPortBe = cport, MappingId = (uint)(1 + f % Ports), State = (byte)CtState.Established, Flags = (byte)(CtFlags.Dnat | CtFlags.SeenReply), Packets = 10, Bytes = 1000 };
                keys[2 * i + 1] = new CtKey { SAddrBe = ctr, DAddrBe = client, SPortBe = cport, DPortBe = sport, Proto = DataPathAbi.ProtoTcp };
                values[2 * i + 1] = new CtValue { ExpiresNs = expires, NatSAddrBe = host, NatDAddrBe = client, NatSPortBe = hport, NatDPortBe = sport, MappingId = (uint)(1 + f % Ports), State = (byte)CtState.Established, Flags = (byte)(CtFlags.Dnat | CtFlags.Reply | CtFlags.SeenReply), Packets = 9, Bytes = 900 };
            }
            ct.UpdateBatch<CtKey, CtValue>(keys.AsSpan(0, 2 * n), values.AsSpan(0, 2 * n));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _dp.Dispose();

    [Benchmark(Description = "GET /metrics: 10,000 ports")]
    public void Scrape() => _metrics.WriteAsync(Stream.Null, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The conntrack GC's cost at this fill when nothing has expired: the walk it does every interval.</summary>
    [Benchmark(Description = "conntrack sweep, nothing expired")]
    public int Sweep() => _dp.Maps.Sweep(ConntrackEntry.MonotonicNowNs(), capacity: 0).Walked;
}
