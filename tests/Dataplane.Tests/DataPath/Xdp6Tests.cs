using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames6;
using static Dataplane.Tests.DataPath.TestWorld6;
using TcpFlags = Dataplane.Tests.DataPath.Frames;

namespace Dataplane.Tests.DataPath;

/// <summary>dp_xdp_uplink's IPv6 path: established flows into containers rewritten by arithmetic (the
/// same bytes as tc's, checksums verified over the pseudo-header) and redirected; everything else passes
/// to tc untouched.</summary>
public sealed class Xdp6Tests : DataPathTestBase
{
    private const byte Syn = TcpFlags.Syn, Ack = TcpFlags.Ack, Psh = TcpFlags.Psh, Fin = TcpFlags.Fin, ProtoTcp = TcpFlags.ProtoTcp;
    private const ushort WebPort = TestWorld.WebPort, DnsPort = TestWorld.DnsPort;
    private const string Remote6 = "2001:db8:ff::9";

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

    private DpNatObject.RunResult Xdp6(byte[] frame) => O6.Run(DataPathAbi.ProgXdpUplink, frame);
    private DpNatObject.RunResult Uplink6(byte[] frame) => O6.Run(DataPathAbi.ProgUplinkIn, frame);

    private static void AssertRedirected(DpNatObject.RunResult r, byte[] expected)
    {
        Assert.Equal(DpNatObject.XdpRedirect, r.Verdict);
        AssertValid(r.Output);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(r.Output));
    }

    [PrivilegedTheory]
    [InlineData(Ack, 0)]
    [InlineData(Ack | Psh, 1400)]
    [InlineData(Fin | Ack, 1)]
    public void XdpUplink6_EstablishedPublishedFlow_SameBytesAsTc(byte flags, int payload)
    {
        Assert.Equal(DpNatObject.TcActRedirect, Uplink6(Tcp(new Ip6(Client, Host), 40000, WebPort, Syn)).Verdict);
        var packet = Tcp(new Ip6(Client, Host), 40000, WebPort, flags, payload);

        var r = Xdp6(packet);

        AssertRedirected(r, Tcp(IntoContainer(Client, C1), 40000, 80, flags, payload));
        Assert.Equal(Convert.ToHexString(Uplink6(packet).Output), Convert.ToHexString(r.Output));
        Assert.Equal(3UL, O6.Counter(DataPathAbi.MapMappingStats, WebId).Packets);
        Assert.Equal(1UL, O6.Counter(DataPathAbi.MapFwd, (uint)ForwardPath.Xdp).Packets);
        Assert.True(O6.TryLookup(DataPathAbi.MapCt6, Key(Client, Host, 40000, WebPort, ProtoTcp), out Ct6Value fwd));
        Assert.Equal(3UL, fwd.Packets); // the SYN, and this packet through XDP and through tc
    }

    [PrivilegedFact]
    public void XdpUplink6_EstablishedUdpFlow_Redirected()
    {
        Uplink6(Udp(new Ip6(Client, Host2), 5000, DnsPort));

        AssertRedirected(Xdp6(Udp(new Ip6(Client, Host2), 5000, DnsPort, payload: 99)), Udp(IntoContainer(Client, C2), 5000, 53, payload: 99));
    }

    [PrivilegedFact]
    public void XdpUplink6_RepliesOfMasqueradedFlowsIncludingPing_Restored()
    {
        SeedFlow(O6, Key(C3, Remote6, 5555, 443, ProtoTcp), Host, Remote6, 61000, 443);
        SeedFlow(O6, Key(C3, Remote6, 0x77, 0, ProtoIcmpV6), Host, Remote6, 61001, 0);

        AssertRedirected(Xdp6(Tcp(new Ip6(Remote6, Host), 443, 61000, Syn | Ack)), Tcp(IntoContainer(Remote6, C3), 443, 5555, Syn | Ack));
        AssertRedirected(Xdp6(IcmpEcho(new Ip6(Remote6, Host), 61001, reply: true)), IcmpEcho(IntoContainer(Remote6, C3), 0x77, reply: true));
    }

    public static TheoryData<string, byte[]> PassedToTc => new()
    {
        { "new flow", Tcp(new Ip6(Client, Host), 40001, WebPort, Syn) },
        { "extension header", Tcp(new Ip6(Client, Host, Ext: [NextHop]), 40000, WebPort, Ack) },
        { "first fragment", Udp(new Ip6(Client, Host, Frag: (0, true, 7)), 5000, DnsPort) },
        { "hop limit 1", Tcp(new Ip6(Client, Host, Hop: 1), 40000, WebPort, Ack) },
        { "direct to container", Tcp(new Ip6(Client, C1), 40000, 80, Ack) },
        { "neighbour solicitation", Icmp(new Ip6("fe80::9", "ff02::1:ff00:1", Hop: 255), 135, Host) },
        { "truncated", Tcp(new Ip6(Client, Host), 40000, WebPort, Ack)[..70] },
    };

    [PrivilegedTheory]
    [MemberData(nameof(PassedToTc))]
    public void XdpUplink6_AnythingButAPlainEstablishedPacket_PassedUntouched(string what, byte[] frame)
    {
        Uplink6(Tcp(new Ip6(Client, Host), 40000, WebPort, Syn)); // the flow exists: only the shape sends these to tc
        Uplink6(Udp(new Ip6(Client, Host), 5000, DnsPort));

        var r = Xdp6(frame);

        Assert.True(r.Verdict == DpNatObject.XdpPass, what);
        Assert.Equal(Convert.ToHexString(frame), Convert.ToHexString(r.Output));
    }
}
