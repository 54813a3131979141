using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames6;
using static Dataplane.Tests.DataPath.TestWorld6;
using TcpFlags = Dataplane.Tests.DataPath.Frames;

namespace Dataplane.Tests.DataPath;

/// <summary>The IPv6 path of dp_uplink_in and dp_veth_in (BPF_PROG_TEST_RUN): published ports, replies,
/// hairpin, policy, anti-spoofing, neighbour discovery, extension headers and fragments. Every translated
/// frame is compared byte for byte with one built from scratch, and its L4 checksum verified over the
/// IPv6 pseudo-header.</summary>
public sealed class Ipv6Tests : DataPathTestBase
{
    private const byte Syn = TcpFlags.Syn, Ack = TcpFlags.Ack, Psh = TcpFlags.Psh, ProtoTcp = TcpFlags.ProtoTcp, ProtoUdp = TcpFlags.ProtoUdp;
    private const ushort WebPort = TestWorld.WebPort, DnsPort = TestWorld.DnsPort;

    private bool _seeded;

    private DpNatObject O6
    {
        get
        {
            if (!_seeded) TestWorld6.Seed(O);
            _seeded = true;
            return O;
        }
    }

    private DpNatObject.RunResult Uplink6(byte[] frame) => O6.Run(DataPathAbi.ProgUplinkIn, frame);
    private DpNatObject.RunResult Veth6(string from, byte[] frame) => O6.Run(DataPathAbi.ProgVethIn, frame, ingressIfindex: VethOf(from));
    private int Ct6Entries => O6.Keys<Ct6Key>(DataPathAbi.MapCt6).Count;

    private static void AssertTranslated6(DpNatObject.RunResult r, byte[] expected, bool checksums = true)
    {
        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        if (checksums) AssertValid(r.Output);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(r.Output));
    }

    [PrivilegedFact]
    public void UplinkIn6_TcpSynToWildcardPublishedPort_DnatToContainerWithClientKept()
    {
        var r = Uplink6(Tcp(new Ip6(Client, Host), 40000, WebPort, Syn));

        AssertTranslated6(r, Tcp(IntoContainer(Client, C1), 40000, 80, Syn));
        Assert.Equal(2, Ct6Entries);
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(Client, Host, 40000, WebPort, ProtoTcp), out Ct6Value fwd));
        Assert.Equal((byte)CtState.SynSent, fwd.State);
        Assert.Equal(CtFlags.Dnat, (CtFlags)fwd.Flags);
        Assert.Equal(WebId, fwd.MappingId);
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(C1, Client, 80, 40000, ProtoTcp), out Ct6Value reply));
        Assert.Equal(CtFlags.Dnat | CtFlags.Reply, (CtFlags)reply.Flags);
        Assert.Equal(1UL, O6.Counter(DataPathAbi.MapMappingStats, WebId).Packets);
        Assert.Equal(0, CtEntries); // the IPv4 table is not touched
    }

    [PrivilegedFact]
    public void Flow6_PublishedPortBothDirections_TranslatedFromConntrackAndStateAdvances()
    {
        Uplink6(Tcp(new Ip6(Client, Host), 40000, WebPort, Syn));

        // The container's answer leaves through its veth as the host's address and port; the client is
        // on the uplink, so the FIB decides: in the test's namespace there is no route, a counted drop
        // after the translation. The state moves all the same.
        var synAck = Veth6(C1, Tcp(FromContainer(C1, Client), 80, 40000, Syn | Ack));
        Assert.True(synAck.Verdict is DpNatObject.TcActRedirect or DpNatObject.TcActShot);
        Assert.Equal(Host, Frames6.Src(synAck.Output));
        AssertValid(synAck.Output);
        var data = Uplink6(Tcp(new Ip6(Client, Host), 40000, WebPort, Ack | Psh, payload: 100));

        AssertTranslated6(data, Tcp(IntoContainer(Client, C1), 40000, 80, Ack | Psh, payload: 100));
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(Client, Host, 40000, WebPort, ProtoTcp), out Ct6Value fwd));
        Assert.Equal((byte)CtState.Established, fwd.State);
        Assert.Equal(3UL, O6.Counter(DataPathAbi.MapMappingStats, WebId).Packets);
    }

    [PrivilegedFact]
    public void UplinkIn6_UdpToPublishedPort_DnatChecksumOverPseudoHeader()
    {
        var r = Uplink6(Udp(new Ip6(Client, Host2), 5000, DnsPort, payload: 333));

        AssertTranslated6(r, Udp(IntoContainer(Client, C2), 5000, 53, payload: 333));
    }

    [PrivilegedFact]
    public void UplinkIn6_HostSpecificMapping_MatchesOnlyThatAddress()
    {
        AssertTranslated6(Uplink6(Tcp(new Ip6(Client, Host), 40001, TestWorld.PinnedPort, Syn)),
            Tcp(IntoContainer(Client, C2), 40001, 443, Syn));
        var other = Tcp(new Ip6(Client, Host2), 40001, TestWorld.PinnedPort, Syn);
        AssertUntouched(Uplink6(other), other);
    }

    [PrivilegedTheory]
    [InlineData(new byte[] { NextHop })]
    [InlineData(new byte[] { NextHop, NextDest })]
    [InlineData(new byte[] { NextHop, NextRouting, NextDest })]
    public void UplinkIn6_ExtensionHeaders_WalkedAndTranslatedBehindThem(byte[] ext)
    {
        var r = Uplink6(Tcp(new Ip6(Client, Host, Ext: ext), 40000, WebPort, Syn));

        AssertTranslated6(r, Tcp(IntoContainer(Client, C1) with { Ext = ext }, 40000, 80, Syn));
    }

    [PrivilegedFact]
    public void UplinkIn6_MoreExtensionHeadersThanWalked_PassesUntouched()
    {
        var f = Tcp(new Ip6(Client, Host, Ext: [NextHop, NextDest, NextRouting, NextDest, NextDest]), 40000, WebPort, Syn);

        AssertUntouched(Uplink6(f), f);
        Assert.Equal(0, Ct6Entries);
    }

    [PrivilegedFact]
    public void UplinkIn6_Fragments_FirstTranslatedLaterOnesFollowIt()
    {
        var first = Udp(new Ip6(Client, Host, Frag: (0, true, 0xabcdef)), 5000, DnsPort, payload: 64);
        var later = Udp(new Ip6(Client, Host, Frag: (80, false, 0xabcdef)), 1, 2, payload: 64); // no L4 header really: opaque bytes

        AssertTranslated6(Uplink6(first), Udp(IntoContainer(Client, C2) with { Frag = (0, true, 0xabcdef) }, 5000, 53, payload: 64), checksums: false);
        var r = Uplink6(later);

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.Equal(C2, Frames6.Dst(r.Output));
        Assert.Equal(Convert.ToHexString(later[(Frames.EthLength + Ip6Length)..]), Convert.ToHexString(r.Output[(Frames.EthLength + Ip6Length)..]));
    }

    [PrivilegedFact]
    public void UplinkIn6_LaterFragmentWithoutFirst_PassesToTheStack()
    {
        var later = Udp(new Ip6(Client, Host, Frag: (80, false, 0x1234)), 1, 2);
        AssertUntouched(Uplink6(later), later);
    }

    /// <summary>`dataplane monitor` hears IPv6 drops and traces as IPv4's, the record's 16-byte addresses filled.</summary>
    [PrivilegedFact]
    public void Events6_DropAndTrace_RecordsWithIpv6TupleAndFamily()
    {
        new DataPathReader(O6.DataPath.Object).SetEventControl(1u << (int)EventType.Drop | 1u << (int)EventType.Trace);
        AssertUntouched(Uplink6(Tcp(new Ip6(Client, C1), 40000, 80, Syn)), Tcp(new Ip6(Client, C1), 40000, 80, Syn), DpNatObject.TcActShot);
        Assert.Equal(DpNatObject.TcActRedirect, Uplink6(Tcp(new Ip6(Client, Host), 40001, WebPort, Syn)).Verdict);

        var events = new List<DataPathEvent>();
        using (var ring = new Dataplane.Interop.Bpf.BpfRingBuffer(O6.DataPath.Object.Map(DataPathAbi.MapEvents),
            r => events.Add(System.Runtime.InteropServices.MemoryMarshal.Read<DataPathEvent>(r))))
            ring.Poll(0);

        Assert.Equal(2, events.Count);
        Assert.Equal((EventType.Drop, (int)DropReason.DirectRouted, Client, C1, (ushort)40000, ProtoTcp, (byte)Family.Inet6),
            ((EventType)events[0].Type, events[0].Reason, events[0].Source.ToString(), events[0].Destination.ToString(), NetOrder.Port(events[0].SPortBe), events[0].Proto, events[0].Family));
        Assert.Equal((EventType.Trace, DpNatObject.TcActRedirect, Client, Host, WebPort),
            ((EventType)events[1].Type, events[1].Reason, events[1].Source.ToString(), events[1].Destination.ToString(), NetOrder.Port(events[1].DPortBe)));
    }

    [PrivilegedTheory]
    [InlineData(C1)]
    [InlineData("fd00:1::99")]
    public void UplinkIn6_DirectToContainerNetwork_DroppedAndCounted(string dst)
    {
        var f = Tcp(new Ip6(Client, dst), 40000, 80, Syn);
        AssertUntouched(Uplink6(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.DirectRouted).Packets);
    }

    [PrivilegedTheory]
    [InlineData("::1")]
    [InlineData("fe80::9")]
    [InlineData("ff02::1")]
    [InlineData(Host2)]
    public void UplinkIn6_OpenerFromMartianSource_DroppedWithoutState(string src)
    {
        var f = Tcp(new Ip6(src, Host), 40000, WebPort, Syn);
        AssertUntouched(Uplink6(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.Martian).Packets);
        Assert.Equal(0, Ct6Entries);
    }

    [PrivilegedFact]
    public void UplinkIn6_LoopbackMappingOrUnpublishedPortOrHopLimitOne_PassUntouched()
    {
        foreach (var f in new[]
        {
            Tcp(new Ip6(Client, "::1"), 40000, TestWorld.LocalOnlyPort, Syn),
            Tcp(new Ip6(Client, Host), 40000, 9999, Syn),
            Tcp(new Ip6(Client, Host, Hop: 1), 40000, WebPort, Syn),
            Tcp(new Ip6(Client, Host), 40000, WebPort, Ack),
        })
            AssertUntouched(Uplink6(f), f);
        Assert.Equal(0, Ct6Entries);
    }

    /// <summary>Neighbour solicitations and advertisements, router solicitations: never translated, never
    /// dropped, even for a container's address (the bridge side answers them, not us).</summary>
    [PrivilegedTheory]
    [InlineData(135, "ff02::1:ff00:2", C1)]
    [InlineData(136, C1, C1)]
    [InlineData(133, "ff02::2", null)]
    public void NeighbourDiscovery6_OnUplinkAndFromContainer_PassUntouched(byte type, string dst, string? target)
    {
        var fromOutside = Icmp(new Ip6("fe80::9", dst, Hop: 255), type, target);
        AssertUntouched(Uplink6(fromOutside), fromOutside);
        var fromContainer = Icmp(FromContainer(C1, dst, hop: 255) with { Src = "fe80::2" }, type, target);
        AssertUntouched(Veth6(C1, fromContainer), fromContainer);
        var withGlobalSource = Icmp(FromContainer(C1, dst, hop: 255) with { Src = C2 }, type, target);
        AssertUntouched(Veth6(C1, withGlobalSource), withGlobalSource);
    }

    [PrivilegedFact]
    public void VethIn6_ContainerToAnotherContainersPublishedPort_HairpinDnatAndReplyRestored()
    {
        var r = Veth6(C2, Tcp(FromContainer(C2, Host), 33000, WebPort, Syn));
        AssertTranslated6(r, Tcp(IntoContainer(C2, C1), 33000, 80, Syn));
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(C2, Host, 33000, WebPort, ProtoTcp), out Ct6Value fwd));
        Assert.Equal(CtFlags.Dnat | CtFlags.Hairpin, (CtFlags)fwd.Flags);

        var reply = Veth6(C1, Tcp(FromContainer(C1, C2), 80, 33000, Syn | Ack));
        AssertTranslated6(reply, Tcp(IntoContainer(Host, C2), WebPort, 33000, Syn | Ack));
    }

    [PrivilegedFact]
    public void VethIn6_IcmpEchoReplyOfKnownFlow_IdAndAddressesTranslatedChecksumKept()
    {
        // A flow as NAT66 will create it: C3 pinged Client as Host with echo id 61000 in place of 0x77.
        SeedFlow(O6, Key(C3, Client, 0x77, 0, ProtoIcmpV6), Host, Client, 61000, 0);

        var r = Uplink6(IcmpEcho(new Ip6(Client, Host), 61000, reply: true));

        AssertTranslated6(r, IcmpEcho(IntoContainer(Client, C3), 0x77, reply: true));
    }

    [PrivilegedTheory]
    [InlineData(C3b, DropReason.Icc)]      // net2 has no ICC
    [InlineData(C1, DropReason.InterNetwork)]
    public void VethIn6_Policy_DroppedAndCounted(string dst, DropReason reason)
    {
        var f = Tcp(FromContainer(C3, dst), 33000, 80, Syn);
        AssertUntouched(Veth6(C3, f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(reason).Packets);
    }

    [PrivilegedFact]
    public void VethIn6_InternalNetworkLeaving_Dropped()
    {
        var f = Udp(FromContainer(C4, Client), 33000, 53);
        AssertUntouched(Veth6(C4, f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.InternalNetwork).Packets);
    }

    [PrivilegedTheory]
    [InlineData(C2, null)]          // another container's address
    [InlineData("fd00:1::77", null)] // a free address of the subnet
    [InlineData(C1, "0a0000000099")] // its own address with another MAC
    public void VethIn6_SpoofedSource_Dropped(string src, string? mac)
    {
        var f = Tcp(FromContainer(C1, Client) with { Src = src, EthSrc = mac is null ? MacOf(C1) : Convert.FromHexString(mac) }, 33000, 80, Syn);
        AssertUntouched(Veth6(C1, f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.Spoofed).Packets);
    }

    [PrivilegedFact]
    public void VethIn6_SameNetworkWithIccAndToGateway_PassUntouched()
    {
        foreach (var f in new[] { Tcp(FromContainer(C1, C2), 33000, 80, Syn), Tcp(FromContainer(C1, Gw1), 33000, 22, Syn) })
            AssertUntouched(Veth6(C1, f), f);
    }

    [PrivilegedFact]
    public void Ipv4_WithIpv6MapsSeeded_StillTranslatedAsBefore()
    {
        _ = O6;
        var r = Uplink(Frames.Tcp(new Frames.Ip(TestWorld.Client, TestWorld.Host), 40000, WebPort, Syn));
        AssertTranslated(r, Frames.Tcp(TestWorld.IntoContainer(TestWorld.Client, TestWorld.C1), 40000, 80, Syn));
        Assert.Equal(0, Ct6Entries);
    }
}
