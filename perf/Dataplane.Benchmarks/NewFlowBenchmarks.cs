using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Processes;
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
            var (uplink, veth) = b.BothDirectionsAtOnce();
            Console.WriteLine($"UDP established both ways at once: client to container (CPU 0),{uplink:F0}");
            Console.WriteLine($"UDP established both ways at once: container to client (CPU 1),{veth:F0}");
        }
        finally
        {
            b.Cleanup();
        }
    }

    /// <summary>One established flow's two directions at the same time, each on a CPU of its own, as a busy
    /// flow's packets and answers are handled: the mean of each direction, which includes what one
    /// direction's conntrack writes cost the other (cache lines moving between the CPUs).</summary>
    private (double Uplink, double Veth) BothDirectionsAtOnce()
    {
        if (Environment.ProcessorCount < 2) return (double.NaN, double.NaN);
        byte[] reply = SentByC1(Frames.Udp(C1, Client, 53, 40000));
        byte[] fromC1 = _world.FromC1();
        EmptyTable();
        Expect(_uplink.TestRun(_udpEstablished), TcActRedirect, "UDP to a published port");
        Expect(_world.Veth.TestRun(reply, context: fromC1), TcActRedirect, "the container's answer");
        using var start = new Barrier(2);
        double Run(int cpu, Func<BpfTestRunResult> once)
        {
            using var entered = _world.EnterOtherThread();
            using var pinned = ThreadAffinity.Pin(cpu);
            start.SignalAndWait();
            long total = 0;
            for (int i = 0; i < Flows; i++) total += once().DurationNs;
            return (double)total / Flows;
        }
        var up = Task.Factory.StartNew(() => Run(0, () => _uplink.TestRun(_udpEstablished)), TaskCreationOptions.LongRunning);
        var back = Task.Factory.StartNew(() => Run(1, () => _world.Veth.TestRun(reply, context: fromC1)), TaskCreationOptions.LongRunning);
        return (up.Result, back.Result);
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
