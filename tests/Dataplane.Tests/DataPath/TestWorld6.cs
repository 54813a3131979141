using Dataplane.ControlPlane.DataPath;
using static Dataplane.Tests.DataPath.Frames6;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// <see cref="TestWorld"/>'s IPv6 side: the host's uplink address Host (2001:db8::1), client Client outside,
/// net1 fd00:1::/64 (ICC) with C1 and C2, net2 fd00:2::/64 (no ICC) with C3 and C3b, net3 fd00:3::/64 internal
/// with C4: the same containers (veth, MAC) as the IPv4 world, dual-stack. Published ports on every IPv6
/// address: WebPort (TCP) -> C1:80, DnsPort (UDP) -> C2:53; PinnedPort only on Host, ::1 only LocalOnlyPort.
/// </summary>
internal static class TestWorld6
{
    public const string Host = "2001:db8::1", Host2 = "2001:db8::2", Client = "2001:db8::9";
    public const string Gw1 = "fd00:1::1", C1 = "fd00:1::2", C2 = "fd00:1::3";
    public const string Gw2 = "fd00:2::1", C3 = "fd00:2::2", C3b = "fd00:2::3";
    public const string Gw3 = "fd00:3::1", C4 = "fd00:3::2";
    public const uint WebId = 11, DnsId = 12, PinnedId = 14, LocalOnlyId = 13;

    /// <summary>The IPv4 twin of an IPv6 container (same veth, same MAC).</summary>
    public static string V4Of(string ctr) => ctr switch
    {
        C1 => TestWorld.C1, C2 => TestWorld.C2, C3 => TestWorld.C3, C3b => TestWorld.C3b, C4 => TestWorld.C4,
        _ => throw new ArgumentException(ctr),
    };

    public static uint VethOf(string ctr) => TestWorld.IfindexOf(V4Of(ctr));
    public static byte[] MacOf(string ctr) => TestWorld.MacOf(V4Of(ctr));

    public static void Seed(DpNatObject o)
    {
        foreach (var h in new[] { Host, Host2, Gw1, Gw2, Gw3 }) HostAddress(o, h);
        Network(o, "fd00:1::", 1, Gw1, NetworkFlags.Icc | NetworkFlags.Masquerade);
        Network(o, "fd00:2::", 2, Gw2, NetworkFlags.Masquerade);
        Network(o, "fd00:3::", 3, Gw3, NetworkFlags.Icc | NetworkFlags.Internal);
        foreach (var (c, net) in new[] { (C1, 1u), (C2, 1u), (C3, 2u), (C3b, 2u), (C4, 3u) }) Endpoint(o, c, net);
        Publish(o, null, Frames.ProtoTcp, TestWorld.WebPort, C1, 80, WebId);
        Publish(o, null, Frames.ProtoUdp, TestWorld.DnsPort, C2, 53, DnsId);
        Publish(o, "::1", Frames.ProtoTcp, TestWorld.LocalOnlyPort, C1, 90, LocalOnlyId);
        Publish(o, Host, Frames.ProtoTcp, TestWorld.PinnedPort, C2, 443, PinnedId);
    }

    public static unsafe void HostAddress(DpNatObject o, string addr)
    {
        var k = new HostAddr6Key();
        Addr(addr, k.AddrBe);
        o.Update(DataPathAbi.MapHostAddr6, k, new HostAddrValue { Ifindex = TestWorld.UplinkIfindex });
    }

    public static unsafe void Network(DpNatObject o, string subnet, uint id, string gw, NetworkFlags flags)
    {
        var k = new Network6Key { PrefixLen = 64 };
        Addr(subnet, k.AddrBe);
        var v = new Network6Value { NetworkId = id, Flags = (uint)flags };
        Addr(gw, v.GatewayBe);
        o.Update(DataPathAbi.MapNetworks6, k, v);
    }

    public static unsafe void Endpoint(DpNatObject o, string ctr, uint network)
    {
        var k = new Endpoint6Key();
        Addr(ctr, k.AddrBe);
        var ep = new EndpointValue { Ifindex = VethOf(ctr), NetworkId = network };
        MacOf(ctr).CopyTo(new Span<byte>(ep.Mac, 6));
        TestWorld.GwMac.CopyTo(new Span<byte>(ep.GwMac, 6));
        o.Update(DataPathAbi.MapEndpoints6, k, ep);
    }

    public static unsafe void Publish(DpNatObject o, string? hostAddr, byte proto, ushort hostPort, string ctr, ushort ctrPort, uint id)
    {
        var k = new PortMap6Key { PortBe = Frames.PortBe(hostPort), Proto = proto };
        if (hostAddr is not null) Addr(hostAddr, k.AddrBe);
        var v = new PortMap6Value { CtrPortBe = Frames.PortBe(ctrPort), MappingId = id };
        Addr(ctr, v.CtrAddrBe);
        o.Ports6.Update(k, v);
    }

    public static unsafe Ct6Key Key(string s, string d, ushort sp, ushort dp, byte proto)
    {
        var k = new Ct6Key { SPortBe = Frames.PortBe(sp), DPortBe = Frames.PortBe(dp), Proto = proto };
        Addr(s, k.SAddrBe);
        Addr(d, k.DAddrBe);
        return k;
    }

    /// <summary>A masqueraded flow's two entries as NAT66 creates them: orig (as the container sent it)
    /// translated to {natSrc:natSport -> natDst:natDport}.</summary>
    public static unsafe void SeedFlow(DpNatObject o, Ct6Key orig, string natSrc, string natDst, ushort natSport, ushort natDport)
    {
        var now = ConntrackEntry.MonotonicNowNs();
        var fwd = new Ct6Value
        {
            ExpiresNs = now + 60_000_000_000, LastSeenNs = now, State = (byte)CtState.Unreplied, Flags = (byte)CtFlags.Snat,
            NatSPortBe = Frames.PortBe(natSport), NatDPortBe = Frames.PortBe(natDport),
        };
        Addr(natSrc, fwd.NatSAddrBe);
        Addr(natDst, fwd.NatDAddrBe);
        var rev = fwd with { Flags = (byte)(CtFlags.Snat | CtFlags.Reply), NatSPortBe = orig.DPortBe, NatDPortBe = orig.SPortBe };
        for (int i = 0; i < 4; i++)
        {
            rev.NatSAddrBe[i] = orig.DAddrBe[i];
            rev.NatDAddrBe[i] = orig.SAddrBe[i];
        }
        var reply = new Ct6Key { SPortBe = fwd.NatDPortBe, DPortBe = fwd.NatSPortBe, Proto = orig.Proto };
        for (int i = 0; i < 4; i++)
        {
            reply.SAddrBe[i] = fwd.NatDAddrBe[i];
            reply.DAddrBe[i] = fwd.NatSAddrBe[i];
        }
        o.Update(DataPathAbi.MapCt6, orig, fwd);
        o.Update(DataPathAbi.MapCt6, reply, rev);
    }

    /// <summary>A frame sent by container ctr (its MAC), and the parameters of one delivered into it by redirect_peer.</summary>
    public static Ip6 FromContainer(string ctr, string dst, byte hop = 64) => new(ctr, dst, hop, EthSrc: MacOf(ctr));
    public static Ip6 IntoContainer(string src, string ctr, byte hop = 63) => new(src, ctr, hop, EthDst: MacOf(ctr), EthSrc: TestWorld.GwMac);
}
