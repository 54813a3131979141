using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Processes;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames6;
using static Dataplane.Tests.DataPath.TestWorld6;
using TcpFlags = Dataplane.Tests.DataPath.Frames;

namespace Dataplane.Tests.DataPath;

/// <summary>dp_ct6 full (BPF_PROG_TEST_RUN): a flow that never saw a reply makes room for a new one
/// (early drop, as dp_ct's), established flows are never evicted. The table (its default size) is
/// filled from user space with established flows, all but the room for one flow the program creates.</summary>
public sealed class Conntrack6FullTests : DataPathTestBase
{
    private const byte Syn = TcpFlags.Syn, ProtoTcp = TcpFlags.ProtoTcp;

    private bool _seeded;

    private DpNatObject O6
    {
        get
        {
            if (!_seeded) Seed(O);
            _seeded = true;
            return O;
        }
    }

    private DpNatObject.RunResult Uplink6(byte[] frame) => O6.Run(DataPathAbi.ProgUplinkIn, frame);
    private int Ct6Entries => O6.Keys<Ct6Key>(DataPathAbi.MapCt6).Count;

    /// <summary>Established flows' entries (none of them an early-drop candidate) until two entries are left free.</summary>
    private unsafe void FillAllButOneFlow()
    {
        int n = DataPathAbi.Ct6MaxDefault - 2;
        var keys = new Ct6Key[n];
        var values = new Ct6Value[n];
        var now = ConntrackEntry.MonotonicNowNs();
        for (int i = 0; i < n; i++)
        {
            keys[i] = Key("2001:db8:aa::", Host, (ushort)(i % 60000 + 1), TestWorld.WebPort, ProtoTcp);
            keys[i].SAddrBe[3] = (uint)(i / 60000 + 1);
            values[i] = new Ct6Value { ExpiresNs = now + 600_000_000_000, State = (byte)CtState.Established, Flags = (byte)(CtFlags.Dnat | CtFlags.SeenReply) };
        }
        new KernelMap<Ct6Key, Ct6Value>(O6.DataPath.Object.Map(DataPathAbi.MapCt6)).UpdateBatch(keys, values);
        Assert.Equal(n, Ct6Entries);
    }

    [PrivilegedFact]
    public void Conntrack6_TableFullWithAnUnrepliedFlow_ItIsEvictedAndTheNewFlowAdmitted()
    {
        using var cpu = ThreadAffinity.PinToFirstAllowedCpu(); // early-drop candidates are per CPU
        FillAllButOneFlow();
        Assert.Equal(DpNatObject.TcActRedirect, Uplink6(Tcp(new Ip6("2001:db8:66::1", Host), 1001, TestWorld.WebPort, Syn)).Verdict); // a forged opener

        var r = Uplink6(Tcp(new Ip6(Client, Host), 40003, TestWorld.WebPort, Syn));

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.Equal(C1, Dst(r.Output));
        Assert.Equal(1UL, O6.Drops(DropReason.CtEarlyDrop).Packets);
        Assert.Equal(0UL, O6.Drops(DropReason.CtFull).Packets);
        Assert.False(O6.TryLookup(DataPathAbi.MapCt6, Key("2001:db8:66::1", Host, 1001, TestWorld.WebPort, ProtoTcp), out Ct6Value _));
        Assert.False(O6.TryLookup(DataPathAbi.MapCt6, Key(C1, "2001:db8:66::1", 80, 1001, ProtoTcp), out Ct6Value _));
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(Client, Host, 40003, TestWorld.WebPort, ProtoTcp), out Ct6Value _));
        Assert.Equal(DataPathAbi.Ct6MaxDefault, Ct6Entries);
    }

    [PrivilegedFact]
    public void Conntrack6_TableFullOfEstablishedFlows_NewFlowDroppedNothingEvicted()
    {
        using var cpu = ThreadAffinity.PinToFirstAllowedCpu();
        FillAllButOneFlow();
        Assert.Equal(DpNatObject.TcActRedirect, Uplink6(Tcp(new Ip6(Client, Host), 40001, TestWorld.WebPort, Syn)).Verdict);
        var first = Key(Client, Host, 40001, TestWorld.WebPort, ProtoTcp);
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, first, out Ct6Value v));
        O6.Update(DataPathAbi.MapCt6, first, v with { State = (byte)CtState.Established, Flags = (byte)(v.Flags | (byte)CtFlags.SeenReply) });

        var f = Tcp(new Ip6(Client, Host), 40002, TestWorld.WebPort, Syn);

        AssertUntouched(Uplink6(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.CtFull).Packets);
        Assert.Equal(0UL, O6.Drops(DropReason.CtEarlyDrop).Packets);
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, first, out Ct6Value _));
        Assert.Equal(DataPathAbi.Ct6MaxDefault, Ct6Entries);
    }

    /// <summary>The sweeper's pressure eviction on dp_ct6: an unanswered flow the data path cannot pick (not
    /// among its CPU's recent flows) goes when a sweep finds the table full, and the next flow is admitted.</summary>
    [PrivilegedFact]
    public unsafe void Sweep6_FullTableUnansweredFlowNotACandidate_EvictedThenNewFlowAdmitted()
    {
        FillAllButOneFlow();
        var forged = Key("2001:db8:66::1", Host, 1001, TestWorld.WebPort, ProtoTcp);
        var now = ConntrackEntry.MonotonicNowNs();
        var fwd = new Ct6Value { ExpiresNs = now + 120_000_000_000, LastSeenNs = now, State = (byte)CtState.SynSent, Flags = (byte)CtFlags.Dnat };
        fwd.NatSAddrBe[3] = 9; // any tuple: its reply entry is keyed by it
        O6.Update(DataPathAbi.MapCt6, forged, fwd);
        O6.Update(DataPathAbi.MapCt6, DataPathMaps6.PeerKey(forged, fwd), fwd with { Flags = (byte)(CtFlags.Dnat | CtFlags.Reply) });
        var f = Tcp(new Ip6(Client, Host), 40003, TestWorld.WebPort, Syn);
        AssertUntouched(Uplink6(f), f, DpNatObject.TcActShot);

        var (removed, _) = O6.DataPath.Maps6.Sweep(ConntrackEntry.MonotonicNowNs(), DataPathAbi.Ct6MaxDefault);

        Assert.Equal(2, removed);
        Assert.False(O6.TryLookup(DataPathAbi.MapCt6, forged, out Ct6Value _));
        Assert.Equal(DpNatObject.TcActRedirect, Uplink6(Tcp(new Ip6(Client, Host), 40003, TestWorld.WebPort, Syn)).Verdict);
    }
}
