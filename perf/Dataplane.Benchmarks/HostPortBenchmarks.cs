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
/// Checking 10,000 host ports free, as `run -p 20000-29999:20000-29999` does before it touches a map:
/// one sock_diag look at the sockets of a namespace of its own (dpbdn-PID-ports), then the
/// allocator's walk over the ports. Nothing is held: the bind guard reserves the published ports.
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
    }

    [IterationCleanup]
    public void ReleaseAll()
    {
        foreach (var p in _allocated) _allocator.Release(p);
        _allocated = [];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ns.Dispose();
        NetworkNamespace.Delete(_name);
    }

    [Benchmark(Baseline = true, Description = "SocketPortProbe.Look (one sock_diag dump per family)")]
    public HostPortView Look() => _probe.Look([(IPAddress.Any, Proto == "udp" ? ControlPlane.Ports.Proto.Udp : ControlPlane.Ports.Proto.Tcp)]);

    [Benchmark(Description = "HostPortAllocator.AllocateAll(10,000)")]
    public void Allocate() => _allocated = _allocator.AllocateAll(_bindings);
}
