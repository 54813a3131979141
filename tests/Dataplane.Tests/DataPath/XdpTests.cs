using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using Xunit.Abstractions;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>dp_xdp_uplink: established flows into containers rewritten with RFC 1624 arithmetic and
/// redirected; must produce the same bytes as the tc program. Everything else passes to tc untouched.</summary>
public sealed class XdpTests(ITestOutputHelper output) : DataPathTestBase
{
    private DpNatObject.RunResult Xdp(byte[] frame) => O.Run(DataPathAbi.ProgXdpUplink, frame);

    [PrivilegedTheory]
    [InlineData(Ack, 0)]
    [InlineData(Ack | Psh, 1400)]
    [InlineData(Fin | Ack, 1)]
    public void XdpUplink_EstablishedPublishedFlow_SameBytesAsTc(byte flags, int payload)
    {
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn)).Verdict);
        var packet = Tcp(new Ip(Client, Host), 40000, WebPort, flags, payload);

        var r = Xdp(packet);

        AssertTranslated(r, Tcp(IntoContainer(Client, C1), 40000, 80, flags, payload), DpNatObject.XdpRedirect);
        Assert.Equal(Convert.ToHexString(Uplink(packet).Output), Convert.ToHexString(r.Output));
        Assert.Equal(3UL, O.Counter(DataPathAbi.MapMappingStats, WebId).Packets);
    }

    [PrivilegedTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void XdpUplink_EstablishedUdpFlow_ChecksumZeroStaysZero(bool checksum)
    {
        Uplink(Udp(new Ip(Client, Host), 5000, DnsPort, checksum: checksum));
        AssertTranslated(Xdp(Udp(new Ip(Client, Host), 5000, DnsPort, payload: 99, checksum: checksum)),
            Udp(IntoContainer(Client, C2), 5000, 53, payload: 99, checksum: checksum), DpNatObject.XdpRedirect);
    }

    [PrivilegedFact]
    public void XdpUplink_ReplyOfMasqueradedFlowsIncludingPing_Restored()
    {
        FlowSeeder.Masqueraded(O, C3, 5555, Remote, 443, Host, 61000, ProtoTcp);
        FlowSeeder.Masqueraded(O, C3, 0x77, Remote, 0, Host, 61001, ProtoIcmp);

        AssertTranslated(Xdp(Tcp(new Ip(Remote, Host), 443, 61000, Syn | Ack)), Tcp(IntoContainer(Remote, C3), 443, 5555, Syn | Ack), DpNatObject.XdpRedirect);
        AssertTranslated(Xdp(IcmpEcho(new Ip(Remote, Host), 61001, reply: true)), IcmpEcho(IntoContainer(Remote, C3), 0x77, reply: true), DpNatObject.XdpRedirect);
    }

    public static TheoryData<string, byte[]> PassedToTc => new()
    {
        { "new flow", Tcp(new Ip(Client, Host), 40000, WebPort, Syn) },
        { "first fragment", Udp(new Ip(Client, Host, FragField: 0x2000), 5000, DnsPort) },
        { "later fragment", Raw(new Ip(Client, Host, FragField: 185), ProtoUdp, 40) },
        { "ttl 1", Tcp(new Ip(Client, Host, Ttl: 1), 40000, WebPort, Ack) },
        { "direct to container", Tcp(new Ip(Client, C1), 40000, 80, Syn) },
        { "arp", Arp() },
        { "truncated", Tcp(new Ip(Client, Host), 40000, WebPort, Ack)[..40] },
    };

    [PrivilegedTheory]
    [MemberData(nameof(PassedToTc))]
    public void XdpUplink_AnythingButAnEstablishedFlow_PassedUntouched(string what, byte[] frame)
    {
        Assert.NotNull(what);
        AssertUntouched(Xdp(frame), frame, DpNatObject.XdpPass);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void XdpUplink_PerPacketCost_ReportedNextToTc()
    {
        Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn));
        var hit = Tcp(new Ip(Client, Host), 40000, WebPort, Ack, payload: 1400);
        const int runs = 20_000;
        double xdp = 0, tc = 0;
        for (int i = 0; i < runs; i++)
        {
            xdp += Xdp(hit).DurationNs;
            tc += Uplink(hit).DurationNs;
        }
        output.WriteLine($"established DNAT hit: dp_xdp_uplink {xdp / runs:F0} ns/packet, dp_uplink_in {tc / runs:F0} ns/packet (mean of {runs} single runs each)");
        Assert.True(xdp > 0 && tc > 0);
    }
}
