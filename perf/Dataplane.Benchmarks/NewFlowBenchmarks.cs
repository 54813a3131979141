using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Dataplane.Interop.Bpf;
using static Dataplane.Benchmarks.BenchNamespace;
using static Dataplane.Benchmarks.BenchWorld;

namespace Dataplane.Benchmarks;

/// <summary>
/// Per-packet cost of a new flow through a published port (issue 15's new-flow rate), beside the
/// same datagram once its flow exists and the harness's own cost (ARP): one BPF_PROG_TEST_RUN per
/// packet, each new-flow packet from a source port and address of its own, as perf/run's flood
/// sends them. The conntrack table is emptied before every iteration, so a row is the insert's cost,
/// never early drop at a full table.
/// </summary>
[Config(typeof(Config))]
public class NewFlowBenchmarks
{
    private const int Flows = 40_000; // packets an iteration: 80,000 entries, a third of the default table

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithInvocationCount(Flows).WithUnrollFactor(1).WithWarmupCount(2).WithIterationCount(10));
    }

    private BenchWorld _world = null!;
    private BpfProgram _uplink = null!;
    private byte[] _arp = [], _udpEstablished = [];
    private byte[][] _udpNew = [], _synNew = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _world = BenchWorld.Create();
        _uplink = _world.Uplink;
        _arp = Arp();
        _udpEstablished = Frames.Udp(Client, Host, 40000, DnsPort);
        _udpNew = [.. Enumerable.Range(0, Flows).Select(i => Frames.Udp(Source(i), Host, Port(i), DnsPort))];
        _synNew = [.. Enumerable.Range(0, Flows).Select(i => Frames.Tcp(Source(i), Host, Port(i), WebPort, Frames.Syn))];
        Expect(_uplink.TestRun(_udpEstablished), TcActRedirect, "UDP to a published port");
        Expect(_uplink.TestRun(_synNew[0]), TcActRedirect, "SYN to a published port");
    }

    /// <summary>perf/run's flood: source addresses of 198.18.128.0/17, ports above 1023.</summary>
    private static string Source(int i) => $"198.18.{128 + i / 50_000 % 64}.{1 + i % 200}";

    private static ushort Port(int i) => (ushort)(1024 + i * 7 % 50_000);

    [IterationSetup(Targets = [nameof(UdpNewFlow), nameof(TcpSynNewFlow)])]
    public void EmptyTable()
    {
        _world.DataPath.Maps.FlushFlows(_ => true);
        _next = 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _world?.Dispose();

    /// <summary>`kernel-ns`: each case's time inside the program as the kernel measures it (BPF_PROG_TEST_RUN's
    /// duration, without the syscall and the copies around it), mean over 40,000 runs into an empty table.</summary>
    public static void PrintKernelTimes()
    {
        var b = new NewFlowBenchmarks();
        b.Setup();
        try
        {
            Console.WriteLine("case,mean_ns");
            foreach (var (name, frame) in new (string, Func<int, byte[]>)[]
            {
                ("harness (ARP: parse, pass)", _ => b._arp),
                ("UDP, flow established", _ => b._udpEstablished),
                ("UDP, new flow", i => b._udpNew[i]),
                ("TCP SYN, new flow", i => b._synNew[i]),
            })
            {
                b.EmptyTable();
                b._uplink.TestRun(b._udpEstablished); // the established case's flow
                long total = 0;
                for (int i = 0; i < Flows; i++)
                    total += b._uplink.TestRun(frame(i)).DurationNs;
                Console.WriteLine($"{name},{(double)total / Flows:F0}");
            }
        }
        finally
        {
            b.Cleanup();
        }
    }

    [Benchmark(Baseline = true, Description = "dp_uplink_in ARP (harness: parse, pass)")]
    public int Harness() => _uplink.TestRun(_arp).ReturnValue;

    [Benchmark(Description = "dp_uplink_in UDP to a published port, flow established")]
    public int UdpEstablished() => _uplink.TestRun(_udpEstablished).ReturnValue;

    [Benchmark(Description = "dp_uplink_in UDP to a published port, new flow")]
    public int UdpNewFlow() => _uplink.TestRun(_udpNew[_next++ % Flows]).ReturnValue;

    [Benchmark(Description = "dp_uplink_in TCP SYN to a published port, new flow")]
    public int TcpSynNewFlow() => _uplink.TestRun(_synNew[_next++ % Flows]).ReturnValue;
}
