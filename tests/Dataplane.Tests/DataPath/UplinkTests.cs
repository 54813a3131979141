using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>dp_uplink_in: published ports from outside, replies of masqueraded flows, direct routing.</summary>
public sealed class UplinkTests : DataPathTestBase
{
    [PrivilegedFact]
    public void UplinkIn_TcpSynToWildcardPublishedPort_DnatToContainerWithClientSourceKept()
    {
        var r = Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn));

        AssertTranslated(r, Tcp(IntoContainer(Client, C1), 40000, 80, Syn));
        Assert.Equal(2, CtEntries);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Key(Client, Host, 40000, WebPort, Frames.ProtoTcp), out CtValue fwd));
        Assert.Equal((byte)CtState.SynSent, fwd.State);
        Assert.Equal(CtFlags.Dnat, (CtFlags)fwd.Flags);
        Assert.Equal(WebId, fwd.MappingId);
        Assert.True(fwd.ExpiresNs > ConntrackEntry.MonotonicNowNs() + 100UL * 1_000_000_000);
        Assert.Equal(1UL, O.Counter(DataPathAbi.MapMappingStats, WebId).Packets);
    }

    [PrivilegedFact]
    public void UplinkIn_SecondPacketOfFlow_TranslatedFromConntrack()
    {
        Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn));
        var r = Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Ack | Psh, payload: 100));

        AssertTranslated(r, Tcp(IntoContainer(Client, C1), 40000, 80, Ack | Psh, payload: 100));
        Assert.Equal(2UL, O.Counter(DataPathAbi.MapMappingStats, WebId).Packets);
    }

    [PrivilegedFact]
    public void UplinkIn_HostSpecificMapping_MatchesOnlyThatAddress()
    {
        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40001, PinnedPort, Syn)),
            Tcp(IntoContainer(Client, C2), 40001, 443, Syn));
        var other = Tcp(new Ip(Client, Host2), 40001, PinnedPort, Syn);
        AssertUntouched(Uplink(other), other);
    }

    [PrivilegedTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void UplinkIn_UdpToPublishedPort_DnatAndChecksumZeroStaysZero(bool checksum)
    {
        var r = Uplink(Udp(new Ip(Client, Host), 5000, DnsPort, checksum: checksum));

        AssertTranslated(r, Udp(IntoContainer(Client, C2), 5000, 53, checksum: checksum));
        if (!checksum) Assert.Equal(0, r.Output[Frames.EthLength + 20 + 6] | r.Output[Frames.EthLength + 20 + 7]);
    }

    [PrivilegedFact]
    public void UplinkIn_IpOptions_TranslatedBehindTheOptions()
    {
        byte[] options = [0x01, 0x01, 0x01, 0x00]; // NOP NOP NOP EOL
        var r = Uplink(Tcp(new Ip(Client, Host, Options: options), 40000, WebPort, Syn));

        AssertTranslated(r, Tcp(IntoContainer(Client, C1) with { Options = options }, 40000, 80, Syn));
    }

    [PrivilegedFact]
    public void UplinkIn_ReplyOfMasqueradedFlow_ReverseSnatToContainer()
    {
        SeedMasqueradedFlow(C3, 5555, Remote, 443, Host, 61000);

        var r = Uplink(Tcp(new Ip(Remote, Host), 443, 61000, Syn | Ack));

        AssertTranslated(r, Tcp(IntoContainer(Remote, C3), 443, 5555, Syn | Ack));
        Assert.True(O.TryLookup(DataPathAbi.MapCt, Key(C3, Remote, 5555, 443, Frames.ProtoTcp), out CtValue fwd));
        Assert.Equal((byte)CtState.SynRecv, fwd.State);
    }

    [PrivilegedFact]
    public void UplinkIn_IcmpEchoReplyOfMasqueradedPing_IdRestored()
    {
        SeedMasqueradedFlow(C3, 0x77, Remote, 0, Host, 61000, Frames.ProtoIcmp);

        var r = Uplink(IcmpEcho(new Ip(Remote, Host), 61000, reply: true));

        AssertTranslated(r, IcmpEcho(IntoContainer(Remote, C3), 0x77, reply: true));
    }

    [PrivilegedFact]
    public void UplinkIn_FragNeededAboutMasqueradedFlow_QuotedPacketAndDestinationTranslated()
    {
        SeedMasqueradedFlow(C3, 5555, Remote, 443, Host, 61000);
        const string router = "198.18.0.254";
        var quoted = Tcp(new Ip(Host, Remote, Ttl: 63), 61000, 443, Ack)[Frames.EthLength..(Frames.EthLength + 28)];
        var expectedQuoted = Tcp(new Ip(C3, Remote, Ttl: 63), 5555, 443, Ack)[Frames.EthLength..(Frames.EthLength + 28)];

        var r = Uplink(IcmpError(new Ip(router, Host), quoted));

        AssertTranslated(r, IcmpError(IntoContainer(router, C3), expectedQuoted));
    }

    /// <summary>A quote long enough to hold the L4 checksum (Linux quotes up to 576 bytes) gets it translated
    /// with the rest: the quoted packet is exactly the one the container sent, checksums included.</summary>
    [PrivilegedTheory]
    [InlineData(ProtoTcp)]
    [InlineData(ProtoUdp)]
    [InlineData(ProtoIcmp)]
    public void UplinkIn_ErrorQuotingAWholeMasqueradedPacket_QuotedChecksumTranslated(byte proto)
    {
        ushort sport = proto == ProtoIcmp ? (ushort)0x77 : (ushort)5555, dport = proto == ProtoIcmp ? (ushort)0 : (ushort)443;
        SeedMasqueradedFlow(C3, sport, Remote, dport, Host, 61000, proto);
        byte[] Packet(string src, ushort sp) => proto switch
        {
            ProtoTcp => Tcp(new Ip(src, Remote, Ttl: 63), sp, dport, Ack),
            ProtoUdp => Udp(new Ip(src, Remote, Ttl: 63), sp, dport),
            _ => IcmpEcho(new Ip(src, Remote, Ttl: 63), sp, reply: false),
        };
        var quoted = Packet(Host, 61000)[Frames.EthLength..];
        var expectedQuoted = Packet(C3, sport)[Frames.EthLength..];

        var r = Uplink(IcmpError(new Ip(Remote, Host), quoted));

        AssertTranslated(r, IcmpError(IntoContainer(Remote, C3), expectedQuoted));
        InternetChecksum.AssertValid([.. new byte[Frames.EthLength], .. r.Output.AsSpan(Frames.EthLength + 20 + 8)]);
    }

    [PrivilegedFact]
    public void UplinkIn_UnpublishedPort_PassesUntouchedWithoutConntrack()
    {
        var f = Tcp(new Ip(Client, Host), 40000, 9999, Syn);
        AssertUntouched(Uplink(f), f);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void UplinkIn_LoopbackOnlyMappingFromTheWire_NeverMatched()
    {
        var f = Tcp(new Ip(Client, "127.0.0.1"), 40000, LocalOnlyPort, Syn);
        AssertUntouched(Uplink(f), f);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void UplinkIn_NonSynTcpToPublishedPortWithoutFlow_PassesUntranslated()
    {
        var f = Tcp(new Ip(Client, Host), 40000, WebPort, Ack);
        AssertUntouched(Uplink(f), f);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedTheory]
    [InlineData(C1)]
    [InlineData("198.19.1.50")]
    public void UplinkIn_DirectToContainerNetwork_DroppedAndCounted(string dst)
    {
        var f = Tcp(new Ip(Client, dst), 40000, 80, Syn);
        AssertUntouched(Uplink(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.DirectRouted).Packets);
    }

    [PrivilegedFact]
    public void UplinkIn_TtlOne_PassesForTheStackToAnswer()
    {
        var f = Tcp(new Ip(Client, Host, Ttl: 1), 40000, WebPort, Syn);
        AssertUntouched(Uplink(f), f);
    }

    internal static CtKey Key(string s, string d, ushort sp, ushort dp, byte proto)
        => new() { SAddrBe = AddrBe(s), DAddrBe = AddrBe(d), SPortBe = PortBe(sp), DPortBe = PortBe(dp), Proto = proto };

    private void SeedMasqueradedFlow(string ctr, ushort sport, string dst, ushort dport, string host, ushort hostPort, byte proto = ProtoTcp)
        => FlowSeeder.Masqueraded(O, ctr, sport, dst, dport, host, hostPort, proto);
}
