using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Dataplane.ControlPlane.Daemon;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;

namespace Dataplane.Benchmarks;

/// <summary>
/// Holding 10,000 host ports, as `run -p 20000-29999:20000-29999` does before it touches a map: one
/// bound socket per port, created in a namespace of its own (dpbdn-PID-ports),
/// then released. This, not the map update, is most of the daemon's time for a large range.
/// </summary>
[Config(typeof(Config))]
public class HostPortBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(10)
            .WithInvocationCount(1).WithUnrollFactor(1).WithId("Reserve"));
    }

    private const int N = 10_000;
    private string _name = "";
    private NetworkNamespace _ns = null!;
    private SocketPortProbe _probe = null!;
    private HostPortAllocator _allocator = null!;
    private PublishedPort[] _ports = [];
    private PortBinding[] _bindings = [];
    private IReadOnlyList<PublishedPort> _allocated = [];

    [Params("tcp", "udp")]
    public string Proto { get; set; } = "tcp";

    [GlobalSetup]
    public void Setup()
    {
        BenchEnvironment.RequireRoot();
        BenchEnvironment.SweepLeftovers();
        _name = BenchEnvironment.Tag + "ports";
        _ns = NetworkNamespace.Create(_name);
        using (var nl = RtNetlink.Open(_ns)) nl.SetUp("lo");
        _probe = new SocketPortProbe(_ns);
        _allocator = new HostPortAllocator(new PortRange(49000, 49900), _probe);
        var spec = $"20000-{20000 + N - 1}:20000-{20000 + N - 1}/{Proto}";
        _bindings = [.. PortSpecParser.Parse(spec)];
        var proto = Proto == "udp" ? ControlPlane.Ports.Proto.Udp : ControlPlane.Ports.Proto.Tcp;
        _ports = [.. Enumerable.Range(20000, N).Select(p => new PublishedPort(IPAddress.Any, p, new ContainerPort(p, proto)))];
    }

    [IterationCleanup]
    public void ReleaseAll()
    {
        foreach (var p in _ports) _probe.Release(p);
        foreach (var p in _allocated) _allocator.Release(p);
        _allocated = [];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _probe.Dispose();
        _ns.Dispose();
        NetworkNamespace.Delete(_name);
    }

    [Benchmark(Baseline = true, Description = "SocketPortProbe.TryReserve(10,000)")]
    public Dataplane.Interop.Errno[] Reserve() => _probe.TryReserve(_ports);

    [Benchmark(Description = "HostPortAllocator.AllocateAll(10,000)")]
    public void Allocate() => _allocated = _allocator.AllocateAll(_bindings);
}
