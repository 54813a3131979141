using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using Xunit.Abstractions;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// Per-packet cost from BPF_PROG_TEST_RUN, printed for the notes (speed goals live in perf/, never
/// in assertions). A translating program rewrites the test skb in place, so "repeat" would run
/// every repetition after the first on an already translated packet: hits are measured as the mean
/// kernel-reported duration of many single runs (each on a fresh copy), untouched paths with repeat.
/// </summary>
public sealed class PerfTests(ITestOutputHelper output) : DataPathTestBase
{
    private readonly FibNamespace _ns = new();
    private const int SingleRuns = 20_000;
    private const int Repeat = 1_000_000;

    private protected override void DisposeMore() => _ns.Dispose();

    private double MeanSingle(string prog, byte[] frame, int expectedVerdict)
        => _ns.Run(() =>
        {
            ulong total = 0;
            for (int i = 0; i < SingleRuns; i++)
            {
                var r = O.Run(prog, frame, ingressIfindex: prog == DataPathAbi.ProgVethIn ? VethOf(frame) : 0);
                Assert.Equal(expectedVerdict, r.Verdict);
                total += r.DurationNs;
            }
            return (double)total / SingleRuns;
        });

    /// <summary>Mean cost of a SYN that creates a flow: a new client address and port every run.</summary>
    private double NewFlows()
    {
        ulong total = 0;
        for (int i = 0; i < SingleRuns; i++)
        {
            var syn = Tcp(new Ip($"198.18.{100 + i / 60000}.{1 + i / 250 % 240}", Host), (ushort)(1024 + i % 60000), WebPort, Syn);
            var r = O.Run(DataPathAbi.ProgUplinkIn, syn);
            Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
            total += r.DurationNs;
        }
        return (double)total / SingleRuns;
    }

    [PrivilegedFact]
    public void DataPath_PerPacketCost_Reported()
    {
        O.Update(DataPathAbi.MapIfAddr, new IfAddrKey { Ifindex = (uint)_ns.UplinkIfindex }, new IfAddrValue { AddrBe = AddrBe(Host) });
        var syn = Tcp(new Ip(Client, Host), 40000, WebPort, Syn);
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(syn).Verdict);
        var dnatHit = Tcp(new Ip(Client, Host), 40000, WebPort, Ack, payload: 1400);
        var miss = Tcp(new Ip(Client, Host), 40000, 9999, Ack, payload: 1400);
        var masq = Tcp(new Ip(C3, Remote), 5555, 443, Syn);
        Assert.Equal(DpNatObject.TcActRedirect, _ns.Run(() => Veth(masq)).Verdict);
        var masqHit = Tcp(new Ip(C3, Remote), 5555, 443, Ack, payload: 1400);

        var dnat = MeanSingle(DataPathAbi.ProgUplinkIn, dnatHit, DpNatObject.TcActRedirect);
        var missSingle = MeanSingle(DataPathAbi.ProgUplinkIn, miss, DpNatObject.TcActOk);
        var masqueraded = MeanSingle(DataPathAbi.ProgVethIn, masqHit, DpNatObject.TcActRedirect);
        var newFlow = NewFlows();
        var missRepeat = _ns.Run(() => O.Run(DataPathAbi.ProgUplinkIn, miss, Repeat));
        Assert.Equal(DpNatObject.TcActOk, missRepeat.Verdict);
        // What one single run costs beyond the program: the same untouched path, single vs repeat.
        var overhead = missSingle - missRepeat.DurationNs;

        output.WriteLine($"dp_uplink_in DNAT hit (established flow): {dnat:F0} ns/packet (mean of {SingleRuns} single runs)");
        output.WriteLine($"dp_uplink_in miss (no flow, unpublished port): {missSingle:F0} ns/packet single, {missRepeat.DurationNs} ns/packet with repeat {Repeat}");
        output.WriteLine($"dp_veth_in masquerade hit (established flow, FIB + redirect): {masqueraded:F0} ns/packet (mean of {SingleRuns} single runs)");
        output.WriteLine($"dp_uplink_in new flow (SYN to a published port: checks, DNAT, conntrack pair): {newFlow:F0} ns/packet (mean of {SingleRuns} single runs, a new client port each)");
        output.WriteLine($"single-run harness overhead ~{overhead:F0} ns: DNAT hit ~{dnat - overhead:F0} ns, masquerade hit ~{masqueraded - overhead:F0} ns net");
        Assert.True(dnat > 0 && masqueraded > 0);
    }
}
