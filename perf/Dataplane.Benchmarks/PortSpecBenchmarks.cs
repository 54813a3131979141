using BenchmarkDotNet.Attributes;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Benchmarks;

/// <summary>`-p` specs through PortSpecParser (docker's nat.ParsePortSpec grammar).</summary>
[ShortRunJob, MemoryDiagnoser]
public class PortSpecBenchmarks
{
    [Benchmark(Description = "80")]
    public int Single() => PortSpecParser.Parse("80").Count;

    [Benchmark(Description = "8080:80/udp")]
    public int HostContainer() => PortSpecParser.Parse("8080:80/udp").Count;

    [Benchmark(Description = "127.0.0.1:8080:80")]
    public int IpHostContainer() => PortSpecParser.Parse("127.0.0.1:8080:80").Count;

    [Benchmark(Description = "[::1]:8080:80")]
    public int Ipv6HostContainer() => PortSpecParser.Parse("[::1]:8080:80").Count;

    [Benchmark(Description = "0.0.0.0:10000-10999:20000-20999 (1,000 bindings)")]
    public int Range1000() => PortSpecParser.Parse("0.0.0.0:10000-10999:20000-20999").Count;
}
