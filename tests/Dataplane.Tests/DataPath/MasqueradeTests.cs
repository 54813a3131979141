using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>Paths that leave by a route (masquerade, replies of published ports to outside
/// clients): run inside <see cref="FibNamespace"/> so bpf_fib_lookup has a route and neighbours.</summary>
public sealed class MasqueradeTests : DataPathTestBase
{
    private readonly FibNamespace _ns = new();

    private protected override (ushort Min, ushort Max) SnatRange => (62000, 62001);

    private DpNatObject.RunResult VethInNs(byte[] frame) => _ns.Run(() => Veth(frame));

    private void SeedUplinkAddress() => O.Update(DataPathAbi.MapIfAddr, new IfAddrKey { Ifindex = (uint)_ns.UplinkIfindex }, new IfAddrValue { AddrBe = AddrBe(Host) });

    private static Ip ToRouter(string src, string dst) => new(src, dst, 63, EthDst: FibNamespace.RouterMac, EthSrc: FibNamespace.UplinkMac);

    [PrivilegedFact]
    public void VethIn_NewTcpFlowToOutside_MasqueradedToUplinkAddressKeepingItsPort()
    {
        SeedUplinkAddress();
        var r = VethInNs(Tcp(new Ip(C3, Remote), 5555, 443, Syn));

        AssertTranslated(r, Tcp(ToRouter(Host, Remote), 5555, 443, Syn)); // as Linux: the source port kept while free

        var back = Uplink(Tcp(new Ip(Remote, Host), 443, 5555, Syn | Ack));
        AssertTranslated(back, Tcp(IntoContainer(Remote, C3), 443, 5555, Syn | Ack));
    }

    /// <summary>Two containers, one source port, one remote end: the second flow's reply tuple would be the
    /// first's, so it gets a port of the range; both replies find their container.</summary>
    [PrivilegedFact]
    public void VethIn_SourcePortTakenTowardsTheSameRemote_PortFromTheRange()
    {
        SeedUplinkAddress();
        AssertTranslated(VethInNs(Tcp(new Ip(C3, Remote), 5555, 443, Syn)), Tcp(ToRouter(Host, Remote), 5555, 443, Syn));

        var r = VethInNs(Tcp(new Ip(C3b, Remote), 5555, 443, Syn));
        var port = Frames.SPort(r.Output);
        Assert.InRange(port, (ushort)62000, (ushort)62001);
        AssertTranslated(r, Tcp(ToRouter(Host, Remote), port, 443, Syn));

        AssertTranslated(Uplink(Tcp(new Ip(Remote, Host), 443, 5555, Syn | Ack)), Tcp(IntoContainer(Remote, C3), 443, 5555, Syn | Ack));
        AssertTranslated(Uplink(Tcp(new Ip(Remote, Host), 443, port, Syn | Ack)), Tcp(IntoContainer(Remote, C3b), 443, 5555, Syn | Ack));
    }

    /// <summary>A host socket on the container's source port (here a UDP one bound to every address, a TCP
    /// listener) would receive the replies: the port is not kept.</summary>
    [PrivilegedTheory]
    [InlineData(ProtoUdp)]
    [InlineData(ProtoTcp)]
    public void VethIn_SourcePortHeldByAHostSocket_PortFromTheRange(byte proto)
    {
        SeedUplinkAddress();
        using var socket = _ns.Run(() =>
        {
            var s = proto == ProtoUdp
                ? new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp)
                : new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 5557));
            if (proto == ProtoTcp) s.Listen();
            return s;
        });

        var r = VethInNs(proto == ProtoUdp ? Udp(new Ip(C3, Remote), 5557, 53) : Tcp(new Ip(C3, Remote), 5557, 53, Syn));

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.InRange(Frames.SPort(r.Output), (ushort)62000, (ushort)62001);
    }

    [PrivilegedFact]
    public void RemovingAPortNeverPublished_WithoutAnId_LeavesMasqueradedFlowsAlone()
    {
        // Masqueraded flows carry mapping id 0; a removal that knows no id must not flush them.
        SeedUplinkAddress();
        Assert.Equal(DpNatObject.TcActRedirect, VethInNs(Tcp(new Ip(C3, Remote), 5555, 443, Syn)).Verdict);
        int before = CtEntries;

        int removed = O.Maps.RemovePortMapping(Mappings.Of(0, null, ProtoTcp, 7999, System.Net.IPAddress.Parse(C3), 80));

        Assert.Equal(0, removed);
        Assert.Equal(2, before);
        Assert.Equal(before, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_ForwardingSwitchedOffOnTheContainersDevice_DroppedAndCountedNoFlowCreated()
    {
        SeedUplinkAddress();
        _ns.Run(() => { File.WriteAllText($"/proc/sys/net/ipv4/conf/ctr{IfindexOf(C3)}/forwarding", "0"); return 0; });

        var r = VethInNs(Tcp(new Ip(C3, Remote), 5555, 443, Syn));

        Assert.Equal(DpNatObject.TcActShot, r.Verdict);
        Assert.Equal(1UL, O.Drops(DropReason.ForwardingOff).Packets);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_EgressWithoutOwnAddress_UsesFallbackEntry()
    {
        var r = VethInNs(Udp(new Ip(C3, Remote), 5555, 53)); // only dp_ifaddr[0] = Host is seeded

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        AssertTranslated(r, Udp(ToRouter(Host, Remote), Frames.SPort(r.Output), 53));
    }

    [PrivilegedFact]
    public void VethIn_NoMasqueradeAddressAtAll_DroppedWithReason()
    {
        O.Update(DataPathAbi.MapIfAddr, new IfAddrKey { Ifindex = 0 }, new IfAddrValue()); // addr 0 = none
        var f = Udp(new Ip(C3, Remote), 5555, 53);

        AssertUntouched(VethInNs(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.NoSnatAddress).Packets);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_PingToOutside_EchoIdAllocatedAndRestored()
    {
        SeedUplinkAddress();
        var r = VethInNs(IcmpEcho(new Ip(C3, Remote), 0x4242, reply: false));

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        AssertTranslated(r, IcmpEcho(ToRouter(Host, Remote), 0x4242, reply: false)); // its own id: free
        AssertTranslated(Uplink(IcmpEcho(new Ip(Remote, Host), 0x4242, reply: true)), IcmpEcho(IntoContainer(Remote, C3), 0x4242, reply: true));

        var again = VethInNs(IcmpEcho(new Ip(C3b, Remote), 0x4242, reply: false)); // the same id towards the same host: taken
        var id = Frames.IcmpId(again.Output);
        Assert.InRange(id, (ushort)62000, (ushort)62001);
        AssertTranslated(again, IcmpEcho(ToRouter(Host, Remote), id, reply: false));
        AssertTranslated(Uplink(IcmpEcho(new Ip(Remote, Host), id, reply: true)), IcmpEcho(IntoContainer(Remote, C3b), 0x4242, reply: true));
    }

    [PrivilegedFact]
    /// <summary>Ports are unique per remote end (nf_nat's tuple uniqueness): four containers sending from one
    /// port to one DNS server take that port and the range's two; the fourth is refused (counted, nothing left
    /// behind), while a flow to another server still keeps its port.</summary>
    public void VethIn_PortsExhaustedTowardsOneRemote_DroppedButAnotherRemoteStillServed()
    {
        SeedUplinkAddress();
        foreach (var c in new[] { C3, C3b, C1 })
            Assert.Equal(DpNatObject.TcActRedirect, VethInNs(Udp(new Ip(c, Remote), 1, 53)).Verdict);

        var f = Udp(new Ip(C2, Remote), 1, 53);
        AssertUntouched(VethInNs(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.SnatExhausted).Packets);
        Assert.Equal(6, CtEntries);

        const string otherRemote = "198.18.5.6";
        AssertTranslated(VethInNs(Udp(new Ip(C2, otherRemote), 1, 53)), Udp(ToRouter(Host, otherRemote), 1, 53));
        Assert.Equal(8, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_ReplyOfPublishedPortToOutsideClient_SourceRestoredAndRouted()
    {
        Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn));

        var r = VethInNs(Tcp(new Ip(C1, Client), 80, 40000, Syn | Ack));

        AssertTranslated(r, Tcp(new Ip(Host, Client, 63, EthDst: FibNamespace.ClientMac, EthSrc: FibNamespace.UplinkMac), WebPort, 40000, Syn | Ack));
    }

    [PrivilegedFact]
    public void VethIn_ReplyTupleTakenForEveryPort_FirstEntriesRolledBack()
    {
        SeedUplinkAddress();
        Assert.Equal(DpNatObject.TcActRedirect, VethInNs(Udp(new Ip(C3, Remote), 1, 53)).Verdict);
        // The reply tuple of every candidate port (its own, the range's) is already taken: each probe
        // inserts the first entry, fails on the second, and must undo the first.
        foreach (ushort p in new ushort[] { 9, 62000, 62001 })
            O.Update(DataPathAbi.MapCt, UplinkTests.Key(Remote, Host, 53, p, ProtoUdp), new CtValue());

        var f = Udp(new Ip(C3, Remote), 9, 53);
        Assert.Equal(DpNatObject.TcActShot, VethInNs(f).Verdict);

        Assert.Equal(1UL, O.Drops(DropReason.SnatExhausted).Packets);
        Assert.Equal(5, CtEntries);
        Assert.False(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C3, Remote, 9, 53, ProtoUdp), out CtValue _));
    }

    private protected override void DisposeMore() => _ns.Dispose();
}
