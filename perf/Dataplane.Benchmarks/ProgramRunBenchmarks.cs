using System.Net;
using BenchmarkDotNet.Attributes;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Bpf;
using static Dataplane.Benchmarks.BenchNamespace;

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
    private const string C1 = "198.19.1.2", Gw1 = "198.19.1.1", Remote = "198.18.5.5";
    private const int TcActOk = 0, TcActRedirect = 7, XdpRedirect = 4;

    private BenchNamespace _ns = null!;
    private BenchDataPath _dp = null!;
    private BpfProgram _uplink = null!, _veth = null!, _xdp = null!;
    private byte[] _arp = [], _dnatHit = [], _miss = [], _masqHit = [];

    [GlobalSetup]
    public void Setup()
    {
        _ns = BenchNamespace.Create();
        _ns.Enter();
        _dp = BenchDataPath.Load();
        var maps = _dp.Maps;
        maps.AddHostAddress(IPAddress.Parse(Host), (uint)_ns.UplinkIfindex);
        maps.AddHostAddress(IPAddress.Parse(Gw1), (uint)_ns.UplinkIfindex);
        maps.SetNetwork(IPAddress.Parse("198.19.1.0"), 24, 1, IPAddress.Parse(Gw1), NetworkFlags.Icc | NetworkFlags.Masquerade);
        maps.SetEndpoint(IPAddress.Parse(C1), 101, 1, Convert.FromHexString("0a0000000002"), Convert.FromHexString("0a00000000fe"));
        maps.SetMasqueradeAddress(0, IPAddress.Parse(Host));
        maps.SetMasqueradeAddress((uint)_ns.UplinkIfindex, IPAddress.Parse(Host));
        maps.AddPortMapping(new PortMapping(1, new PublishedPort(IPAddress.Any, 8080, new ContainerPort(80, Proto.Tcp)), IPAddress.Parse(C1)));

        _uplink = _dp.Program.Object.Program(DataPathAbi.ProgUplinkIn);
        _veth = _dp.Program.Object.Program(DataPathAbi.ProgVethIn);
        _xdp = _dp.Program.Object.Program(DataPathAbi.ProgXdpUplink);
        _arp = new byte[42];
        Convert.FromHexString("ffffffffffff").CopyTo(_arp, 0);
        Frames.PeerMac.CopyTo(_arp, 6);
        _arp[12] = 0x08; _arp[13] = 0x06;
        _dnatHit = Frames.Tcp(Client, Host, 40000, 8080, Frames.Ack);
        _miss = Frames.Tcp(Client, Host, 40000, 9999, Frames.Ack);
        _masqHit = Frames.Tcp(C1, Remote, 5555, 443, Frames.Ack);

        // Open the two flows, then check every path does what its row says.
        Expect(_uplink.TestRun(Frames.Tcp(Client, Host, 40000, 8080, Frames.Syn)), TcActRedirect, "published SYN");
        Expect(_veth.TestRun(Frames.Tcp(C1, Remote, 5555, 443, Frames.Syn)), TcActRedirect, "masqueraded SYN");
        Expect(_uplink.TestRun(_arp), TcActOk, "ARP");
        Expect(_uplink.TestRun(_dnatHit), TcActRedirect, "DNAT hit");
        Expect(_uplink.TestRun(_miss), TcActOk, "miss");
        Expect(_veth.TestRun(_masqHit), TcActRedirect, "masquerade hit");
        Expect(_xdp.TestRun(_dnatHit), XdpRedirect, "XDP DNAT hit");
    }

    private static void Expect(BpfTestRunResult r, int verdict, string what)
    {
        if (r.ReturnValue != verdict) throw new InvalidOperationException($"{what}: verdict {r.ReturnValue}, expected {verdict}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        try { _dp?.Dispose(); }
        finally { _ns?.Dispose(); }
    }

    [Benchmark(Baseline = true, Description = "dp_uplink_in ARP (harness: parse, pass)")]
    public int Harness() => _uplink.TestRun(_arp).ReturnValue;

    [Benchmark(Description = "dp_uplink_in DNAT hit (established)")]
    public int UplinkDnatHit() => _uplink.TestRun(_dnatHit).ReturnValue;

    [Benchmark(Description = "dp_uplink_in miss (unpublished port)")]
    public int UplinkMiss() => _uplink.TestRun(_miss).ReturnValue;

    [Benchmark(Description = "dp_veth_in masquerade hit (FIB + redirect)")]
    public int VethMasquerade() => _veth.TestRun(_masqHit).ReturnValue;

    [Benchmark(Description = "dp_xdp_uplink DNAT hit (established)")]
    public int XdpDnatHit() => _xdp.TestRun(_dnatHit).ReturnValue;
}
