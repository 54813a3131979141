using BenchmarkDotNet.Attributes;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using static Dataplane.Benchmarks.BenchNamespace;
using static Dataplane.Benchmarks.BenchWorld;

namespace Dataplane.Benchmarks;

/// <summary>
/// Per-packet cost of each program path: one BPF_PROG_TEST_RUN of one 54-byte TCP frame (root; in
/// a namespace of its own). The time includes the syscall and the kernel building the test skb or
/// xdp_buff; the ARP row (parse Ethernet, pass) is that harness cost, so a path's own cost is its
/// row minus the baseline. Translating paths rewrite the frame, so every run is a single run on a
/// fresh copy of it (BPF's repeat would re-run on the translated packet).
/// </summary>
[ShortRunJob]
public class ProgramRunBenchmarks
{
    private BenchWorld _world = null!;
    private BpfProgram _uplink = null!, _veth = null!, _xdp = null!;
    private byte[] _arp = [], _dnatHit = [], _miss = [], _masqHit = [], _fromC1 = [];

    [GlobalSetup]
    public void Setup()
    {
        _world = BenchWorld.Create();
        (_uplink, _veth, _xdp) = (_world.Uplink, _world.Veth, _world.Xdp);
        _arp = BenchWorld.Arp();
        _dnatHit = Frames.Tcp(Client, Host, 40000, WebPort, Frames.Ack);
        _miss = Frames.Tcp(Client, Host, 40000, 9999, Frames.Ack);
        _masqHit = SentByC1(Frames.Tcp(C1, Remote, 5555, 443, Frames.Ack));
        _fromC1 = _world.FromC1();

        // Open the two flows, then check every path does what its row says.
        Expect(_uplink.TestRun(Frames.Tcp(Client, Host, 40000, WebPort, Frames.Syn)), TcActRedirect, "published SYN");
        Expect(_veth.TestRun(SentByC1(Frames.Tcp(C1, Remote, 5555, 443, Frames.Syn)), context: _fromC1), TcActRedirect, "masqueraded SYN");
        Expect(_uplink.TestRun(_arp), TcActOk, "ARP");
        Expect(_uplink.TestRun(_dnatHit), TcActRedirect, "DNAT hit");
        Expect(_uplink.TestRun(_miss), TcActOk, "miss");
        Expect(_veth.TestRun(_masqHit, context: _fromC1), TcActRedirect, "masquerade hit");
        Expect(_xdp.TestRun(_dnatHit), XdpRedirect, "XDP DNAT hit");
    }

    [GlobalCleanup]
    public void Cleanup() => _world?.Dispose();

    [Benchmark(Baseline = true, Description = "dp_uplink_in ARP (harness: parse, pass)")]
    public int Harness() => _uplink.TestRun(_arp).ReturnValue;

    [Benchmark(Description = "dp_uplink_in DNAT hit (established)")]
    public int UplinkDnatHit() => _uplink.TestRun(_dnatHit).ReturnValue;

    [Benchmark(Description = "dp_uplink_in miss (unpublished port)")]
    public int UplinkMiss() => _uplink.TestRun(_miss).ReturnValue;

    [Benchmark(Description = "dp_veth_in masquerade hit (FIB + redirect)")]
    public int VethMasquerade() => _veth.TestRun(_masqHit, context: _fromC1).ReturnValue;

    [Benchmark(Description = "dp_xdp_uplink DNAT hit (established)")]
    public int XdpDnatHit() => _xdp.TestRun(_dnatHit).ReturnValue;
}
