using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames6;
using static Dataplane.Tests.DataPath.TestWorld6;
using TcpFlags = Dataplane.Tests.DataPath.Frames;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// NAT66 (BPF_PROG_TEST_RUN): masquerade of containers' flows leaving the host, the self-hairpin, and
/// ICMPv6 errors about translated flows. Paths that leave by a route run inside a <see cref="FibNamespace"/>
/// made dual-stack (up0 also 2001:db8::1/64, default via Router6, permanent neighbours, IPv6 forwarding).
/// Every translated frame is compared byte for byte with one built from scratch, and its L4 checksum (a
/// quote's too) verified over the IPv6 pseudo-header.
/// </summary>
public sealed class Nat66Tests : DataPathTestBase
{
    private const byte Syn = TcpFlags.Syn, Ack = TcpFlags.Ack, ProtoTcp = TcpFlags.ProtoTcp, ProtoUdp = TcpFlags.ProtoUdp;
    private const string Router6 = "2001:db8::fe", Remote6 = "2001:db8:ff::9", Remote6b = "2001:db8:ff::10";
    private const byte DestUnreach = 1, PortUnreach = 4, PacketTooBig = 2;

    private readonly FibNamespace _ns = new();
    private bool _seeded;

    private protected override (ushort Min, ushort Max) SnatRange => (62000, 62001);
    private protected override void DisposeMore() => _ns.Dispose();

    public Nat66Tests()
    {
        _ns.Exec($"-6 addr add {Host}/64 dev up0 nodad");
        _ns.Exec($"-6 route add default via {Router6} dev up0");
        _ns.Exec($"-6 neigh replace {Router6} lladdr 02:00:00:00:fe:01 dev up0 nud permanent");
        _ns.Exec($"-6 neigh replace {Client} lladdr 02:00:00:00:fe:09 dev up0 nud permanent");
        _ns.Run(() => { File.WriteAllText("/proc/sys/net/ipv6/conf/all/forwarding", "1"); return 0; });
    }

    private DpNatObject O6
    {
        get
        {
            if (!_seeded) Seed(O);
            _seeded = true;
            return O;
        }
    }

    private DpNatObject.RunResult Uplink6(byte[] frame) => _ns.Run(() => O6.Run(DataPathAbi.ProgUplinkIn, frame));
    private DpNatObject.RunResult Veth6(string from, byte[] frame) => _ns.Run(() => O6.Run(DataPathAbi.ProgVethIn, frame, ingressIfindex: VethOf(from)));
    private int Ct6Entries => O6.Keys<Ct6Key>(DataPathAbi.MapCt6).Count;

    private unsafe void SeedMasqueradeAddress(uint ifindex, string addr)
    {
        var v = new IfAddr6Value();
        Addr(addr, v.AddrBe);
        O6.Update(DataPathAbi.MapIfAddr6, new IfAddrKey { Ifindex = ifindex }, v);
    }

    private void SeedUplinkAddress() => SeedMasqueradeAddress((uint)_ns.UplinkIfindex, Host);

    private static Ip6 ToRouter(string src, string dst) => new(src, dst, 63, EthDst: FibNamespace.RouterMac, EthSrc: FibNamespace.UplinkMac);

    private static void AssertTranslated6(DpNatObject.RunResult r, byte[] expected)
    {
        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        AssertValid(r.Output);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(r.Output));
    }

    // ---- masquerade ----

    [PrivilegedFact]
    public void VethIn6_NewTcpFlowToOutside_MasqueradedToUplinkAddressKeepingItsPortAndReplyRestored()
    {
        SeedUplinkAddress();
        var r = Veth6(C3, Tcp(FromContainer(C3, Remote6), 5555, 443, Syn));

        const ushort port = 5555; // as Linux and dp_ct's masquerade: the source port kept while free
        AssertTranslated6(r, Tcp(ToRouter(Host, Remote6), port, 443, Syn));
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(C3, Remote6, 5555, 443, ProtoTcp), out Ct6Value fwd));
        Assert.Equal(CtFlags.Snat, (CtFlags)fwd.Flags);
        Assert.Equal(2, Ct6Entries);
        Assert.Equal(0, CtEntries); // nothing in the IPv4 tables

        var back = Uplink6(Tcp(new Ip6(Remote6, Host), 443, port, Syn | Ack));
        AssertTranslated6(back, Tcp(IntoContainer(Remote6, C3), 443, 5555, Syn | Ack));
    }

    [PrivilegedFact]
    public void VethIn6_Udp_MasqueradedChecksumOverNewPseudoHeader()
    {
        SeedUplinkAddress();
        var r = Veth6(C1, Udp(FromContainer(C1, Remote6), 5353, 53, payload: 301));

        AssertTranslated6(r, Udp(ToRouter(Host, Remote6), SPort6(r.Output), 53, payload: 301));
    }

    [PrivilegedFact]
    public void VethIn6_PingToOutside_EchoIdKeptWhileFreeElseAllocatedAndRestored()
    {
        SeedUplinkAddress();
        AssertTranslated6(Veth6(C1, IcmpEcho(FromContainer(C1, Remote6), 0x4242, reply: false)), IcmpEcho(ToRouter(Host, Remote6), 0x4242, reply: false));
        var r = Veth6(C3, IcmpEcho(FromContainer(C3, Remote6), 0x4242, reply: false)); // the same id towards the same remote

        var id = SPort6(r.Output);
        Assert.InRange(id, (ushort)62000, (ushort)62001);
        AssertTranslated6(r, IcmpEcho(ToRouter(Host, Remote6), id, reply: false));
        AssertTranslated6(Uplink6(IcmpEcho(new Ip6(Remote6, Host), id, reply: true)), IcmpEcho(IntoContainer(Remote6, C3), 0x4242, reply: true));
    }

    /// <summary>nf_conntrack's UDP timeouts on dp_ct6 too: answered at once, 30 s; still talking more than
    /// 2 s after the first packet, 120 s.</summary>
    [PrivilegedFact]
    public void VethIn6_UdpReplied_UnrepliedTimeoutUntilTwoSecondsOld()
    {
        SeedUplinkAddress();
        var fwd = Key(C3, Remote6, 5555, 53, Frames.ProtoUdp);
        var r = Veth6(C3, Udp(FromContainer(C3, Remote6), 5555, 53));
        var port = SPort6(r.Output);
        var answer = Udp(new Ip6(Remote6, Host), 53, port);

        AssertTranslated6(Uplink6(answer), Udp(IntoContainer(Remote6, C3), 53, 5555));
        Assert.Equal((CtState.Replied, 30UL), Entry6(fwd));

        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, fwd, out Ct6Value v));
        var reply = Key(Remote6, Host, 53, port, Frames.ProtoUdp);
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, reply, out Ct6Value rv));
        O6.Update(DataPathAbi.MapCt6, fwd, v with { CreatedMs = v.CreatedMs - 2_500 });
        O6.Update(DataPathAbi.MapCt6, reply, rv with { CreatedMs = rv.CreatedMs - 2_500 });
        AssertTranslated6(Uplink6(answer), Udp(IntoContainer(Remote6, C3), 53, 5555));
        Assert.Equal((CtState.Replied, 120UL), Entry6(fwd));
    }

    private (CtState State, ulong TimeoutS) Entry6(Ct6Key key)
    {
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, key, out Ct6Value v));
        return ((CtState)v.State, (v.ExpiresNs - v.LastSeenNs) / 1_000_000_000);
    }

    /// <summary>The reply entry is a port's claim: with the range's two ports taken (each kept by a flow
    /// whose own port it was), a flow whose port is taken too is refused (counted, nothing left behind);
    /// towards another remote end its own port is free again.</summary>
    [PrivilegedFact]
    public void VethIn6_PortsExhaustedTowardsOneRemote_DroppedButAnotherRemoteStillServed()
    {
        SeedUplinkAddress();
        Assert.Equal(DpNatObject.TcActRedirect, Veth6(C3, Udp(FromContainer(C3, Remote6), 62000, 53)).Verdict);
        Assert.Equal(DpNatObject.TcActRedirect, Veth6(C3, Udp(FromContainer(C3, Remote6), 62001, 53)).Verdict);

        var f = Udp(FromContainer(C1, Remote6), 62000, 53);
        AssertUntouched(Veth6(C1, f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.SnatExhausted).Packets);
        Assert.Equal(4, Ct6Entries);

        AssertTranslated6(Veth6(C1, Udp(FromContainer(C1, Remote6b), 62000, 53)), Udp(ToRouter(Host, Remote6b), 62000, 53));
        Assert.Equal(6, Ct6Entries);
    }

    /// <summary>A host socket on the container's source port (a UDP one bound to [::], a TCP listener) would
    /// receive the replies: the port is not kept.</summary>
    [PrivilegedTheory]
    [InlineData(ProtoUdp)]
    [InlineData(ProtoTcp)]
    public void VethIn6_SourcePortHeldByAHostSocket_PortFromTheRange(byte proto)
    {
        SeedUplinkAddress();
        using var socket = _ns.Run(() =>
        {
            var s = proto == ProtoUdp
                ? new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp)
                : new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.IPv6Any, 5557));
            if (proto == ProtoTcp) s.Listen();
            return s;
        });

        var r = Veth6(C3, proto == ProtoUdp ? Udp(FromContainer(C3, Remote6), 5557, 53) : Tcp(FromContainer(C3, Remote6), 5557, 53, Syn));

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.InRange(SPort6(r.Output), (ushort)62000, (ushort)62001);
    }

    [PrivilegedFact]
    public void VethIn6_EgressWithoutOwnAddress_UsesFallbackEntry()
    {
        SeedMasqueradeAddress(0, Host2);
        var r = Veth6(C3, Udp(FromContainer(C3, Remote6), 5555, 53));

        AssertTranslated6(r, Udp(ToRouter(Host2, Remote6), SPort6(r.Output), 53));
    }

    [PrivilegedFact]
    public void VethIn6_NoMasqueradeAddress_DroppedWithReasonNoFlow()
    {
        var f = Udp(FromContainer(C3, Remote6), 5555, 53);

        AssertUntouched(Veth6(C3, f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.NoSnatAddress).Packets);
        Assert.Equal(0, Ct6Entries);
    }

    [PrivilegedFact]
    public void VethIn6_NetworkWithoutMasquerade_RoutedWithContainerAddress()
    {
        SeedUplinkAddress();
        Network(O6, "fd00:2::", 2, Gw2, 0);
        var f = Tcp(FromContainer(C3, Remote6), 5555, 443, Syn);

        AssertUntouched(Veth6(C3, f), f);
        Assert.Equal(0, Ct6Entries);
    }

    [PrivilegedFact]
    public void VethIn6_TcpAckOfUnknownFlow_NeverOpensAMasqueradedFlow()
    {
        SeedUplinkAddress();
        var f = Tcp(FromContainer(C3, Remote6), 5555, 443, Ack);

        AssertUntouched(Veth6(C3, f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.NoConntrack).Packets);
    }

    [PrivilegedFact]
    public void VethIn6_FragmentedDatagramToOutside_FirstMasqueradedLaterOnesFollowIt()
    {
        SeedUplinkAddress();
        var first = Veth6(C3, Udp(FromContainer(C3, Remote6) with { Frag = (0, true, 0x5151) }, 5555, 53, payload: 64));
        var port = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(first.Output.AsSpan(Frames.EthLength + Ip6Length + 8)); // behind the fragment header
        AssertTranslated6Bytes(first, Udp(ToRouter(Host, Remote6) with { Frag = (0, true, 0x5151) }, port, 53, payload: 64));

        var later = Udp(FromContainer(C3, Remote6) with { Frag = (80, false, 0x5151) }, 1, 2, payload: 64); // opaque bytes, no L4 header
        var r = Veth6(C3, later);

        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.Equal(Host, Src(r.Output));
        Assert.Equal(Convert.ToHexString(later[(Frames.EthLength + Ip6Length)..]), Convert.ToHexString(r.Output[(Frames.EthLength + Ip6Length)..]));
    }

    [PrivilegedFact]
    public void VethIn6_LaterFragmentWithoutFirst_DroppedRatherThanLeakTheContainersAddress()
    {
        SeedUplinkAddress();
        var later = Udp(FromContainer(C3, Remote6) with { Frag = (80, false, 0x5252) }, 1, 2);

        AssertUntouched(Veth6(C3, later), later, DpNatObject.TcActShot);
        Assert.Equal(1UL, O6.Drops(DropReason.FragNoState).Packets);
    }

    /// <summary>A fragment's checksum covers the whole datagram: bytes only.</summary>
    private static void AssertTranslated6Bytes(DpNatObject.RunResult r, byte[] expected)
    {
        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(r.Output));
    }

    // ---- self-hairpin ----

    [PrivilegedFact]
    public void VethIn6_ContainerToItsOwnPublishedPort_SourceMasqueradedToGatewayAndReplyRestored()
    {
        var r = Veth6(C1, Tcp(FromContainer(C1, Host), 33000, TestWorld.WebPort, Syn));

        const ushort port = 33000; // the gateway's port 33000 towards the container's :80 was free
        AssertTranslated6(r, Tcp(IntoContainer(Gw1, C1), port, 80, Syn));
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(C1, Host, 33000, TestWorld.WebPort, ProtoTcp), out Ct6Value fwd));
        Assert.Equal(CtFlags.Dnat | CtFlags.Snat | CtFlags.Hairpin, (CtFlags)fwd.Flags);

        var reply = Veth6(C1, Tcp(FromContainer(C1, Gw1), 80, port, Syn | Ack));
        AssertTranslated6(reply, Tcp(IntoContainer(Host, C1), TestWorld.WebPort, 33000, Syn | Ack));
    }

    // ---- ICMPv6 errors ----

    /// <summary>A router on a masqueraded path says "packet too big" about what left as the host: the
    /// container gets it about what it sent (its own address and port in the quote).</summary>
    [PrivilegedFact]
    public void UplinkIn6_PacketTooBigAboutMasqueradedFlow_QuoteAndDestinationRestored()
    {
        SeedUplinkAddress();
        Assert.Equal(DpNatObject.TcActRedirect, Veth6(C1, Tcp(FromContainer(C1, Remote6), 5555, 443, Syn)).Verdict); // 5555 is taken
        var sent = Veth6(C3, Tcp(FromContainer(C3, Remote6), 5555, 443, Syn, payload: 200));
        var port = SPort6(sent.Output);

        var error = IcmpError(new Ip6(Router6, Host), PacketTooBig, 0, 1280, sent.Output);
        var r = Uplink6(error);

        var expected = IcmpError(IntoContainer(Router6, C3), PacketTooBig, 0, 1280, Tcp(ToRouter(C3, Remote6), 5555, 443, Syn, payload: 200));
        AssertTranslated6(r, expected);
        AssertValid(Quoted(r.Output));
        Assert.NotEqual(5555, port);
    }

    /// <summary>A container answers a datagram sent to a published port with "port unreachable": the client
    /// gets it from the host's address about what it sent (the host's address and port in the quote).</summary>
    [PrivilegedFact]
    public void VethIn6_PortUnreachableAboutPublishedFlow_FromHostAddressAboutHostPort()
    {
        var delivered = Uplink6(Udp(new Ip6(Client, Host), 5000, TestWorld.DnsPort, payload: 40));
        Assert.Equal(DpNatObject.TcActRedirect, delivered.Verdict);

        var error = IcmpError(FromContainer(C2, Client), DestUnreach, PortUnreach, 0, delivered.Output);
        var r = Veth6(C2, error);

        var toClient = new Ip6(Host, Client, 63, EthDst: FibNamespace.ClientMac, EthSrc: FibNamespace.UplinkMac);
        var expected = IcmpError(toClient, DestUnreach, PortUnreach, 0, Udp(new Ip6(Client, Host, 63), 5000, TestWorld.DnsPort, payload: 40));
        AssertTranslated6(r, expected);
        AssertValid(Quoted(r.Output));
    }

    [PrivilegedFact]
    public void UplinkIn6_UnreachableAboutMasqueradedPing_QuotedEchoIdAndChecksumRestored()
    {
        SeedUplinkAddress();
        var sent = Veth6(C3, IcmpEcho(FromContainer(C3, Remote6), 0x4242, reply: false));

        var r = Uplink6(IcmpError(new Ip6(Router6, Host), DestUnreach, 0, 0, sent.Output));

        AssertTranslated6(r, IcmpError(IntoContainer(Router6, C3), DestUnreach, 0, 0, IcmpEcho(ToRouter(C3, Remote6), 0x4242, reply: false)));
        AssertValid(Quoted(r.Output));
    }

    [PrivilegedFact]
    public void IcmpError6_AboutNoFlowOfOurs_NotTranslated()
    {
        var quoted = Udp(new Ip6(Host, Remote6), 40000, 53);
        var error = IcmpError(new Ip6(Router6, Host), DestUnreach, 0, 0, quoted);

        AssertUntouched(Uplink6(error), error);
    }
}
