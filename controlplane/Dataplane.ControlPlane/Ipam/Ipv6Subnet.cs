using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.Ipam;

/// <summary>An IPv6 CIDR subnet (<see cref="Ipv4Subnet"/>'s twin); addresses are host-order UInt128s.</summary>
public readonly record struct Ipv6Subnet
{
    private Ipv6Subnet(UInt128 network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    public UInt128 Network { get; }

    public int PrefixLength { get; }

    public UInt128 Mask => PrefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - PrefixLength);

    /// <summary>The last address of the subnet (IPv6 has no broadcast: it is an ordinary address).</summary>
    public UInt128 Last => Network | ~Mask;

    /// <summary>The conventional gateway, ::1 of the subnet (the subnet-router anycast ::0 is never handed out).</summary>
    public UInt128 DefaultGateway => Network + 1;

    /// <summary>Parses "fd00:1::/64"; host bits set, IPv4 or bad syntax are refused with Docker-like texts.</summary>
    public static Ipv6Subnet Parse(string cidr)
    {
        int slash = cidr.IndexOf('/');
        if (slash < 0 || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > 128 || cidr.Length - slash - 1 > 3)
            throw DataplaneException.Invalid($"invalid CIDR address: {cidr}");
        UInt128 network = ParseAddress(cidr[..slash], $"invalid CIDR address: {cidr}");
        var subnet = new Ipv6Subnet(network, prefix);
        if ((network & ~subnet.Mask) != 0)
            throw DataplaneException.Invalid($"invalid subnet {cidr}: it should be {ToAddress(network & subnet.Mask)}/{prefix}");
        if (prefix > 126)
            throw DataplaneException.Invalid($"invalid subnet {cidr}: a /{prefix} leaves no room for a gateway and containers");
        return subnet;
    }

    public bool Contains(UInt128 address) => (address & Mask) == Network;

    public bool Overlaps(Ipv6Subnet other)
    {
        var mask = PrefixLength < other.PrefixLength ? Mask : other.Mask;
        return (Network & mask) == (other.Network & mask);
    }

    /// <summary>Addresses a container may get: anything of the subnet but its subnet-router anycast address.</summary>
    public bool IsHostAddress(UInt128 address) => Contains(address) && address != Network;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ToAddress(Network)}/{PrefixLength}");

    /// <summary>Is text an IPv6 CIDR (it has a colon)? Lets one --subnet list carry both families.</summary>
    public static bool LooksLikeIpv6(string text) => text.Contains(':');

    public static UInt128 ParseAddress(string text, string error)
    {
        if (!text.Contains(':') || text.Contains('%') || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            throw DataplaneException.Invalid(error);
        return FromAddress(ip);
    }

    public static UInt128 FromAddress(IPAddress ip)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (ip.AddressFamily != AddressFamily.InterNetworkV6 || !ip.TryWriteBytes(bytes, out _))
            throw DataplaneException.Invalid($"not an IPv6 address: {ip}");
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress ToAddress(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes);
    }
}
