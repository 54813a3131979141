using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Processes;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>Conntrack state, timeouts and table limits, driven through a hairpin flow
/// (C2 -> host:8080 -> C1) whose both directions are delivered to containers.</summary>
public sealed class ConntrackTests : DataPathTestBase
{
    private const ulong Second = 1_000_000_000;

    private static readonly CtKey Fwd = UplinkTests.Key(C2, Host, 33000, WebPort, ProtoTcp);
    private static readonly CtKey Rev = UplinkTests.Key(C1, C2, 80, 33000, ProtoTcp);

    private void Orig(byte flags) => Assert.Equal(DpNatObject.TcActRedirect, Veth(Tcp(new Ip(C2, Host), 33000, WebPort, flags)).Verdict);
    private void Reply(byte flags) => Assert.Equal(DpNatObject.TcActRedirect, Veth(Tcp(new Ip(C1, C2), 80, 33000, flags)).Verdict);

    private (CtState State, ulong TimeoutS) Entry(CtKey key)
    {
        Assert.True(O.TryLookup(DataPathAbi.MapCt, key, out CtValue v));
        return ((CtState)v.State, (v.ExpiresNs - v.LastSeenNs) / Second);
    }

    private void AssertBoth(CtState state, ulong timeoutS)
    {
        Assert.Equal((state, timeoutS), Entry(Fwd));
        Assert.Equal((state, timeoutS), Entry(Rev));
    }

    [PrivilegedFact]
    public void Conntrack_TcpLifecycle_FollowsHandshakeAndCloseWithKernelTimeouts()
    {
        Orig(Syn);
        AssertBoth(CtState.SynSent, 120);
        Reply(Syn | Ack);
        AssertBoth(CtState.SynRecv, 60);
        Orig(Ack);
        AssertBoth(CtState.Established, 432000);
        Orig(Fin | Ack);
        AssertBoth(CtState.FinWait, 120);
        Reply(Fin | Ack);
        AssertBoth(CtState.LastAck, 30);
        Orig(Ack);
        AssertBoth(CtState.TimeWait, 120);
        Orig(Syn);
        AssertBoth(CtState.SynSent, 120); // port reuse reopens the tuple
    }

    [PrivilegedFact]
    public void Conntrack_Rst_ClosesWithShortTimeout()
    {
        Orig(Syn);
        Reply(Rst | Ack);
        AssertBoth(CtState.Close, 10);
    }

    [PrivilegedFact]
    public void Conntrack_ResponderFinFirst_CloseWait()
    {
        Orig(Syn); Reply(Syn | Ack); Orig(Ack);
        Reply(Fin | Ack);
        AssertBoth(CtState.CloseWait, 60);
    }

    /// <summary>Makes a flow look <paramref name="ageMs"/> older, both entries (the data path reads the
    /// creation time of the entry a packet hits).</summary>
    private void Age(CtKey key, uint ageMs)
    {
        Assert.True(O.TryLookup(DataPathAbi.MapCt, key, out CtValue v));
        var peer = ConntrackEntry.PeerKey(key, v);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, peer, out CtValue pv));
        O.Update(DataPathAbi.MapCt, key, v with { CreatedMs = v.CreatedMs - ageMs });
        O.Update(DataPathAbi.MapCt, peer, pv with { CreatedMs = pv.CreatedMs - ageMs });
    }

    /// <summary>As nf_conntrack: a request and its answer keep the unreplied timeout (30 s); a flow still
    /// talking more than 2 s after its first packet gets the replied one (120 s).</summary>
    [PrivilegedFact]
    public void Conntrack_Udp_RepliedQuickly_UnrepliedTimeoutUntilTwoSecondsOld()
    {
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C3, Host), 7000, DnsPort)).Verdict);
        var fwd = UplinkTests.Key(C3, Host, 7000, DnsPort, ProtoUdp);
        Assert.Equal((CtState.Unreplied, 30UL), Entry(fwd));
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C2, C3), 53, 7000)).Verdict);
        Assert.Equal((CtState.Replied, 30UL), Entry(fwd));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, fwd, out CtValue v));
        Assert.True(((CtFlags)v.Flags).HasFlag(CtFlags.SeenReply));
        Assert.Equal(1UL, v.Packets);

        Age(fwd, 1_500); // 1.5 s old: still a request/response exchange
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C3, Host), 7000, DnsPort)).Verdict);
        Assert.Equal((CtState.Replied, 30UL), Entry(fwd));

        Age(fwd, 1_000); // 2.5 s old: a stream
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C2, C3), 53, 7000)).Verdict);
        Assert.Equal((CtState.Replied, 120UL), Entry(fwd));
    }

    /// <summary>The daemon's --conntrack-timeouts land in dp_config; the data path applies them to the next packet.</summary>
    private unsafe void ConfigureTimeouts(ConntrackTimeouts timeouts)
    {
        var value = new ConfigValue();
        var byClass = timeouts.ByClass();
        for (int i = 0; i < DataPathAbi.CtTimeoutClasses; i++) value.CtTimeout[i] = byClass[i];
        O.Update(DataPathAbi.MapConfig, 0u, value);
    }

    [PrivilegedFact]
    public void Conntrack_ConfiguredTimeouts_ReplaceTheDefaults()
    {
        ConfigureTimeouts(ConntrackTimeouts.Parse("tcp-syn-sent=7, tcp-established=3600, udp=5, udp-replied=9"));
        Orig(Syn);
        AssertBoth(CtState.SynSent, 7);
        Reply(Syn | Ack);
        AssertBoth(CtState.SynRecv, 60); // not configured: nf_conntrack's default
        Orig(Ack);
        AssertBoth(CtState.Established, 3600);

        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C3, Host), 7000, DnsPort)).Verdict);
        var fwd = UplinkTests.Key(C3, Host, 7000, DnsPort, ProtoUdp);
        Assert.Equal((CtState.Unreplied, 5UL), Entry(fwd));
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C2, C3), 53, 7000)).Verdict);
        Assert.Equal((CtState.Replied, 5UL), Entry(fwd)); // answered at once: still the unreplied timeout
        Age(fwd, 3_000);
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Udp(new Ip(C2, C3), 53, 7000)).Verdict);
        Assert.Equal((CtState.Replied, 9UL), Entry(fwd));
    }

    /// <summary>A packet that changes nothing but time updates its own entry only (a busy flow costs one
    /// lookup a packet); the peer hears of it when the expiry moves into another 2^30 ns epoch, so at once
    /// after a pause.</summary>
    [PrivilegedFact]
    public void Conntrack_PacketsOfABusyFlow_TellThePeerOnlyWhenTheExpiryMovesOnAnEpoch()
    {
        Orig(Syn); Reply(Syn | Ack); Orig(Ack);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Rev, out CtValue rev));
        O.Update(DataPathAbi.MapCt, Rev, rev with { LastSeenNs = 1 }); // a mark the peer's update overwrites
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Fwd, out CtValue before));

        Orig(Ack);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Fwd, out CtValue after));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Rev, out rev));
        Assert.Equal(before.Packets + 1, after.Packets);
        bool newEpoch = before.ExpiresNs >> 30 != after.ExpiresNs >> 30; // rarely: the packet crossed a boundary
        Assert.Equal(newEpoch ? after.LastSeenNs : 1UL, rev.LastSeenNs);

        O.Update(DataPathAbi.MapCt, Fwd, after with { ExpiresNs = after.ExpiresNs - 2 * Second }); // a 2 s pause
        Orig(Ack);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Fwd, out after));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Rev, out rev));
        Assert.Equal((after.ExpiresNs, after.LastSeenNs, CtState.Established), (rev.ExpiresNs, rev.LastSeenNs, (CtState)rev.State));
    }

    [PrivilegedFact]
    public void Conntrack_EntriesCarryPeerKeyAndMappingForTheSweeper()
    {
        Orig(Syn);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Fwd, out CtValue fwd));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Rev, out CtValue rev));
        Assert.Equal(Rev, ConntrackEntry.PeerKey(Fwd, fwd));
        Assert.Equal(Fwd, ConntrackEntry.PeerKey(Rev, rev));
        Assert.Equal(WebId, fwd.MappingId);
        Assert.Equal(WebId, rev.MappingId);
    }
}

/// <summary>A table full of established flows refuses new flows (counted) and keeps translating them; a flow
/// that is not assured (never answered, or closing) makes room for a new one (early drop), and when the data
/// path has no candidate left the sweeper's pressure eviction does.</summary>
public sealed class ConntrackFullTests : DataPathTestBase
{
    private readonly FibNamespace _ns = new(); // the container's answer is routed to the client

    private protected override IReadOnlyDictionary<string, uint>? MaxEntries => new Dictionary<string, uint> { [DataPathAbi.MapCt] = 4 };
    private protected override void DisposeMore() => _ns.Dispose();

    private void Established(ushort clientPort)
    {
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip(Client, Host), clientPort, WebPort, Syn)).Verdict);
        Assert.Equal(DpNatObject.TcActRedirect, _ns.Run(() => Veth(Tcp(new Ip(C1, Client), 80, clientPort, Syn | Ack))).Verdict);
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip(Client, Host), clientPort, WebPort, Ack)).Verdict);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, clientPort, WebPort, ProtoTcp), out CtValue v));
        Assert.Equal(CtState.Established, (CtState)v.State);
    }

    [PrivilegedFact]
    public void Conntrack_TableFullOfEstablishedFlows_NewFlowDroppedEstablishedFlowsKeepWorking()
    {
        Established(40001);
        Established(40002);

        var r = Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn));

        Assert.Equal(DpNatObject.TcActShot, r.Verdict);
        Assert.Equal(1UL, O.Drops(DropReason.CtFull).Packets);
        Assert.Equal(0UL, O.Drops(DropReason.CtEarlyDrop).Packets);
        Assert.Equal(4, CtEntries);
        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40001, WebPort, Ack)), Tcp(IntoContainer(Client, C1), 40001, 80, Ack));
    }

    [PrivilegedFact]
    public void Conntrack_TableFullWithAnUnrepliedFlow_OldestUnrepliedEvictedNewFlowAdmitted()
    {
        using var cpu = ThreadAffinity.PinToFirstAllowedCpu(); // early-drop candidates are per CPU
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip("198.18.66.1", Host), 1001, WebPort, Syn)).Verdict); // a forged opener
        Established(40002);

        var r = Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn));

        AssertTranslated(r, Tcp(IntoContainer(Client, C1), 40003, 80, Syn));
        Assert.Equal(1UL, O.Drops(DropReason.CtEarlyDrop).Packets);
        Assert.Equal(0UL, O.Drops(DropReason.CtFull).Packets);
        Assert.Equal(4, CtEntries);
        Assert.False(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key("198.18.66.1", Host, 1001, WebPort, ProtoTcp), out CtValue _));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, 40002, WebPort, ProtoTcp), out CtValue _));
    }

    [PrivilegedFact]
    public void Conntrack_SynFloodAtAFullTable_RealClientStillAdmittedEstablishedFlowKept()
    {
        using var cpu = ThreadAffinity.PinToFirstAllowedCpu();
        Established(40002);
        for (int i = 1; i <= 200; i++) // forged openers that will never answer, each admitted by evicting the last
            Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip($"198.18.66.{i}", Host), (ushort)(1000 + i), WebPort, Syn)).Verdict);

        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn)), Tcp(IntoContainer(Client, C1), 40003, 80, Syn));
        Assert.Equal(200UL, O.Drops(DropReason.CtEarlyDrop).Packets);
        Assert.Equal(0UL, O.Drops(DropReason.CtFull).Packets);
        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40002, WebPort, Ack)), Tcp(IntoContainer(Client, C1), 40002, 80, Ack));
    }

    [PrivilegedFact]
    public void Conntrack_MasqueradedUnrepliedFlowEvicted_BothEntriesGoAndItsPortWithThem()
    {
        using var cpu = ThreadAffinity.PinToFirstAllowedCpu();
        Assert.Equal(DpNatObject.TcActRedirect, Veth(Tcp(new Ip(C1, Gw1), 33000, WebPort, Syn)).Verdict); // self hairpin: DNAT + SNAT to the gateway
        var claim = UplinkTests.Key(C1, Gw1, 80, 33000, ProtoTcp); // its reply entry: port 33000 of the gateway, kept
        Assert.True(O.TryLookup(DataPathAbi.MapCt, claim, out CtValue _));
        Established(40002);

        Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn)).Verdict);

        Assert.False(O.TryLookup(DataPathAbi.MapCt, claim, out CtValue _));
        Assert.False(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C1, Gw1, 33000, WebPort, ProtoTcp), out CtValue _));
        Assert.Equal(1UL, O.Drops(DropReason.CtEarlyDrop).Packets);
    }

    /// <summary>nf_conntrack's tcp_can_early_drop: a connection reset (or closing) keeps its entries only to
    /// absorb stray packets, and gives them up for a new flow.</summary>
    [PrivilegedFact]
    public void Conntrack_TableFullWithAResetConnection_ItIsEvictedNewFlowAdmitted()
    {
        using var cpu = ThreadAffinity.PinToFirstAllowedCpu();
        Established(40001);
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip(Client, Host), 40001, WebPort, Rst)).Verdict);
        Established(40002);

        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn)), Tcp(IntoContainer(Client, C1), 40003, 80, Syn));

        Assert.Equal(1UL, O.Drops(DropReason.CtEarlyDrop).Packets);
        Assert.False(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, 40001, WebPort, ProtoTcp), out CtValue _));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, 40002, WebPort, ProtoTcp), out CtValue _));
    }

    /// <summary>A full table whose unanswered flow is no early-drop candidate of the data path's (its CPU's
    /// recent flows are spent) refuses a new flow until a sweep finds the pressure and evicts it; the
    /// established flow stays.</summary>
    [PrivilegedFact]
    public void Sweep_TableFullOfFlowsTheDataPathCannotEvict_UnansweredOneEvictedThenNewFlowAdmitted()
    {
        Established(40002);
        FlowSeeder.Masqueraded(O, C3, 5555, Remote, 443, Host, 61000, ProtoTcp); // SYN_SENT, never in dp_ct_recent
        Assert.Equal(DpNatObject.TcActShot, Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn)).Verdict);
        Assert.Equal(1UL, O.Drops(DropReason.CtFull).Packets);

        var (removed, walked) = O.Maps.Sweep(ConntrackEntry.MonotonicNowNs(), capacity: 4);

        Assert.Equal((2, 4), (removed, walked));
        Assert.False(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C3, Remote, 5555, 443, ProtoTcp), out CtValue _));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, 40002, WebPort, ProtoTcp), out CtValue _));
        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40003, WebPort, Syn)), Tcp(IntoContainer(Client, C1), 40003, 80, Syn));
    }

    /// <summary>Below the pressure mark a sweep leaves live flows alone, answered or not.</summary>
    [PrivilegedFact]
    public void Sweep_TableBelowPressure_UnansweredFlowKept()
    {
        FlowSeeder.Masqueraded(O, C3, 5555, Remote, 443, Host, 61000, ProtoTcp);

        Assert.Equal((0, 2), O.Maps.Sweep(ConntrackEntry.MonotonicNowNs(), capacity: 4));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C3, Remote, 5555, 443, ProtoTcp), out CtValue _));
    }

    [PrivilegedFact]
    public void Conntrack_TableFullAtReplyEntry_FirstEntryRolledBack()
    {
        Established(40001);
        O.Update(DataPathAbi.MapCt, UplinkTests.Key("198.18.7.7", Host, 1, 1, ProtoTcp), new CtValue()); // 3 of 4 used

        Assert.Equal(DpNatObject.TcActShot, Uplink(Tcp(new Ip(Client, Host), 40002, WebPort, Syn)).Verdict);

        Assert.Equal(3, CtEntries);
        Assert.False(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, 40002, WebPort, ProtoTcp), out CtValue _));
    }
}
