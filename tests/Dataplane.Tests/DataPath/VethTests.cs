using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>dp_veth_in: traffic leaving containers (hairpin, replies of published ports, policy).</summary>
public sealed class VethTests : DataPathTestBase
{
    private protected override (ushort Min, ushort Max) SnatRange => (61000, 61001);

    [PrivilegedFact]
    public void VethIn_ContainerToAnotherContainersPublishedPort_HairpinDnatAndReplyRestored()
    {
        var r = Veth(Tcp(new Ip(C2, Host), 33000, WebPort, Syn));
        AssertTranslated(r, Tcp(IntoContainer(C2, C1), 33000, 80, Syn));

        var reply = Veth(Tcp(new Ip(C1, C2), 80, 33000, Syn | Ack));
        AssertTranslated(reply, Tcp(IntoContainer(Host, C2), WebPort, 33000, Syn | Ack));
    }

    [PrivilegedFact]
    public void VethIn_ContainerToItsOwnPublishedPort_SourceMasqueradedToGateway()
    {
        var r = Veth(Tcp(new Ip(C1, Gw1), 33000, WebPort, Syn));

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        InternetChecksum.AssertValid(r.Output);
        Assert.Equal((Gw1, C1, (ushort)80), (Frames.Src(r.Output), Frames.Dst(r.Output), Frames.DPort(r.Output)));
        AssertTranslated(r, Tcp(IntoContainer(Gw1, C1), 33000, 80, Syn)); // its own port: the reply tuple is free
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C1, Gw1, 80, 33000, ProtoTcp), out CtValue claim));
        Assert.Equal((CtFlags.Dnat | CtFlags.Snat | CtFlags.Hairpin | CtFlags.Reply, AddrBe(C1)), ((CtFlags)claim.Flags, claim.NatDAddrBe));

        var reply = Veth(Tcp(new Ip(C1, Gw1), 80, 33000, Syn | Ack));
        AssertTranslated(reply, Tcp(IntoContainer(Gw1, C1), WebPort, 33000, Syn | Ack));
    }

    [PrivilegedFact]
    public void VethIn_PortUnreachableFromContainerAboutPublishedFlow_TranslatedBackToClient()
    {
        Veth(Udp(new Ip(C3, Host), 7000, DnsPort));               // C3 -> host:5353 -> C2:53 (hairpin)
        var quoted = Udp(new Ip(C3, C2, Ttl: 63), 7000, 53)[EthLength..(EthLength + 28)];
        var expectedQuoted = Udp(new Ip(C3, Host, Ttl: 63), 7000, DnsPort)[EthLength..(EthLength + 28)];

        var r = Veth(IcmpError(new Ip(C2, C3), quoted));

        // The quoted UDP checksum is translated too: it is the one of the datagram C3 sent.
        AssertTranslated(r, IcmpError(IntoContainer(Host, C3), expectedQuoted));
    }

    [PrivilegedFact]
    public void VethIn_ToAnotherNetworksSubnet_DroppedInterNetwork()
    {
        var f = Tcp(new Ip(C1, C3), 33000, 80, Syn);
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.InterNetwork).Packets);
    }

    [PrivilegedFact]
    public void VethIn_SameNetworkWithIccOff_DroppedIcc()
    {
        var f = Udp(new Ip(C3, C3b), 33000, 80);
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.Icc).Packets);
    }

    [PrivilegedFact]
    public void VethIn_SameNetworkWithIccOn_PassesUntouched()
    {
        var f = Tcp(new Ip(C1, C2), 33000, 80, Syn);
        AssertUntouched(Veth(f), f);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_InternalNetworkToOutside_DroppedInternal()
    {
        var f = Tcp(new Ip(C4, Remote), 33000, 443, Syn);
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.InternalNetwork).Packets);
    }

    [PrivilegedTheory]
    [InlineData(Gw1, 53)]
    [InlineData(Host, 22)]
    public void VethIn_ToHostAddressWithoutPublishedPort_PassesToTheHost(string dst, ushort port)
    {
        var f = Udp(new Ip(C1, dst), 33000, port);
        AssertUntouched(Veth(f), f);
    }



    [PrivilegedFact]
    public void VethIn_NonOpeningTcpToOutsideWithoutFlow_DroppedNoConntrack()
    {
        var f = Tcp(new Ip(C1, Remote), 33000, 443, Ack);
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.NoConntrack).Packets);
    }

    [PrivilegedFact]
    public void VethIn_GreToOutside_DroppedUnsupported()
    {
        var f = Raw(new Ip(C1, Remote), 47);
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.Unsupported).Packets);
    }

    [PrivilegedFact]
    public void VethIn_Broadcast_PassesUntouched()
    {
        var f = Udp(new Ip(C1, "255.255.255.255"), 68, 67);
        AssertUntouched(Veth(f), f);
    }
}
