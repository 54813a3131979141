using Dataplane.ControlPlane.DataPath;
using static Dataplane.Tests.DataPath.Frames;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// The host the BPF tests pretend to be: uplink address Host (+ Host2), client Client outside,
/// net1 198.19.1.0/24 (ICC, masquerade) with C1 and C2, net2 198.19.2.0/24 (no ICC) with C3,
/// net3 198.19.3.0/24 internal with C4; published ports below.
/// </summary>
internal static class TestWorld
{
    public const string Host = "198.18.0.1", Host2 = "198.18.0.2", Client = "198.18.0.9", Remote = "198.18.5.5";
    public const string Gw1 = "198.19.1.1", C1 = "198.19.1.2", C2 = "198.19.1.3";
    public const string Gw2 = "198.19.2.1", C3 = "198.19.2.2", C3b = "198.19.2.3";
    public const string Gw3 = "198.19.3.1", C4 = "198.19.3.2";
    public const uint UplinkIfindex = 2;

    public static readonly byte[] GwMac = Convert.FromHexString("0a00000000fe");

    public static byte[] MacOf(string ctr) => Convert.FromHexString("0a00000000" + ctr.Split('.')[3].PadLeft(2, '0'));
    public static uint IfindexOf(string ctr) => 100 + uint.Parse(ctr.Split('.')[2]) * 10 + uint.Parse(ctr.Split('.')[3]);

    public static readonly string[] Containers = [C1, C2, C3, C3b, C4];
    public static bool IsContainer(string addr) => Containers.Contains(addr);

    /// <summary>The host-side veth a frame from a container arrives on: its IPv4 source's, else C1's (a frame
    /// from an unknown source, or not IPv4, has to come in somewhere).</summary>
    public static uint VethOf(byte[] frame)
    {
        if (frame.Length < Frames.EthLength + 20 || frame[12] != 0x08 || frame[13] != 0x00) return IfindexOf(C1);
        var src = Frames.Src(frame);
        return IfindexOf(IsContainer(src) ? src : C1);
    }

    // Published ports: (host addr or null = any local, proto, host port) -> (ctr, port, mapping id)
    public const ushort WebPort = 8080, DnsPort = 5353, LocalOnlyPort = 9090, PinnedPort = 8443;
    public const uint WebId = 1, DnsId = 2, LocalOnlyId = 3, PinnedId = 4;

    public static void Seed(DpNatObject o, ushort snatMin = 0, ushort snatMax = 0)
    {
        foreach (var h in new[] { Host, Host2, Gw1, Gw2, Gw3 })
            o.Update(DataPathAbi.MapHostAddr, new HostAddrKey { AddrBe = AddrBe(h) }, new HostAddrValue { Ifindex = UplinkIfindex });
        Network(o, "198.19.1.0", 1, Gw1, NetworkFlags.Icc | NetworkFlags.Masquerade);
        Network(o, "198.19.2.0", 2, Gw2, NetworkFlags.Masquerade);
        Network(o, "198.19.3.0", 3, Gw3, NetworkFlags.Icc | NetworkFlags.Internal);
        Endpoint(o, C1, 1); Endpoint(o, C2, 1); Endpoint(o, C3, 2); Endpoint(o, C3b, 2); Endpoint(o, C4, 3);
        Publish(o, null, ProtoTcp, WebPort, C1, 80, WebId);
        Publish(o, null, ProtoUdp, DnsPort, C2, 53, DnsId);
        Publish(o, "127.0.0.1", ProtoTcp, LocalOnlyPort, C1, 90, LocalOnlyId);
        Publish(o, Host, ProtoTcp, PinnedPort, C2, 443, PinnedId);
        o.Update(DataPathAbi.MapIfAddr, new IfAddrKey { Ifindex = 0 }, new IfAddrValue { AddrBe = AddrBe(Host) });
        o.Update(DataPathAbi.MapConfig, 0u, new ConfigValue { SnatPortMin = snatMin, SnatPortMax = snatMax });
    }

    public static void Network(DpNatObject o, string subnet, uint id, string gw, NetworkFlags flags)
        => o.Update(DataPathAbi.MapNetworks, new NetworkKey { PrefixLen = 24, AddrBe = AddrBe(subnet) },
            new NetworkValue { NetworkId = id, Flags = (uint)flags, GatewayBe = AddrBe(gw) });

    public static unsafe void Endpoint(DpNatObject o, string ctr, uint network)
    {
        var ep = new EndpointValue { Ifindex = IfindexOf(ctr), NetworkId = network };
        MacOf(ctr).CopyTo(new Span<byte>(ep.Mac, 6));
        GwMac.CopyTo(new Span<byte>(ep.GwMac, 6));
        o.Update(DataPathAbi.MapEndpoints, new EndpointKey { AddrBe = AddrBe(ctr) }, ep);
    }

    public static void Publish(DpNatObject o, string? hostAddr, byte proto, ushort hostPort, string ctr, ushort ctrPort, uint id)
        => o.Ports.Update(
            new PortMapKey { AddrBe = hostAddr is null ? 0 : AddrBe(hostAddr), PortBe = PortBe(hostPort), Proto = proto },
            new PortMapValue { CtrAddrBe = AddrBe(ctr), CtrPortBe = PortBe(ctrPort), MappingId = id });

    /// <summary>IP parameters of a frame delivered into container ctr by redirect_peer.</summary>
    public static Ip IntoContainer(string src, string ctr, byte ttl = 63) => new(src, ctr, ttl, EthDst: MacOf(ctr), EthSrc: GwMac);
}
