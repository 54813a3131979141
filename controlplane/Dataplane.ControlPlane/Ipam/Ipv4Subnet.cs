using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.Ipam;

/// <summary>An IPv4 CIDR subnet; addresses are host-order uints for cheap arithmetic.</summary>
public readonly record struct Ipv4Subnet
{
    private Ipv4Subnet(uint network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    public uint Network { get; }

    public int PrefixLength { get; }

    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    /// <summary>The conventional gateway, the first usable address (.1).</summary>
    public uint DefaultGateway => Network + 1;

    public static Ipv4Subnet Create(uint network, int prefixLength)
    {
        if (prefixLength is < 0 or > 32)
            throw DataplaneException.Invalid($"invalid CIDR prefix length: {prefixLength}");
        var subnet = new Ipv4Subnet(network, prefixLength);
        if ((network & ~subnet.Mask) != 0)
            throw DataplaneException.Invalid($"invalid subnet {ToAddress(network)}/{prefixLength}: it should be {ToAddress(network & subnet.Mask)}/{prefixLength}");
        return subnet;
    }

    /// <summary>Parses "172.18.0.0/16"; host bits set, IPv6 or bad syntax are refused with Docker-like texts.</summary>
    public static Ipv4Subnet Parse(string cidr)
    {
        int slash = cidr.IndexOf('/');
        if (slash < 0 || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > 32 || cidr.Length - slash - 1 > 2)
            throw DataplaneException.Invalid($"invalid CIDR address: {cidr}");
        uint network = ParseAddress(cidr[..slash], $"invalid CIDR address: {cidr}");
        var subnet = Create(network, prefix);
        if (prefix > 30)
            throw DataplaneException.Invalid($"invalid subnet {cidr}: a /{prefix} leaves no room for a gateway and containers");
        return subnet;
    }

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Subnet other)
    {
        uint mask = PrefixLength < other.PrefixLength ? Mask : other.Mask;
        return (Network & mask) == (other.Network & mask);
    }

    /// <summary>Addresses a container may get: not the network or broadcast address.</summary>
    public bool IsHostAddress(uint address) => Contains(address) && address != Network && address != Broadcast;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ToAddress(Network)}/{PrefixLength}");

    public static uint ParseAddress(string text, string error)
    {
        if (text.Count(c => c == '.') != 3 || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            throw DataplaneException.Invalid(error);
        return FromAddress(ip);
    }

    public static uint FromAddress(IPAddress ip)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (ip.AddressFamily != AddressFamily.InterNetwork || !ip.TryWriteBytes(bytes, out _))
            throw DataplaneException.Invalid($"not an IPv4 address: {ip}");
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress ToAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }
}
