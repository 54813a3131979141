using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>Conversions between .NET values and the network-order fields (…Be) of the ABI structs.</summary>
public static class NetOrder
{
    public static uint AddrBe(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"'{address}' is not an IPv4 address", nameof(address));
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return BitConverter.ToUInt32(b); // bytes kept in wire order
    }

    /// <summary>An IPv4 address as a host-order number, for prefix arithmetic.</summary>
    public static uint HostOrder(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    public static IPAddress Addr(uint addrBe) => new(BitConverter.GetBytes(addrBe));

    /// <summary>An IPv6 address into four network-order words (struct in6_addr's bytes).</summary>
    public static unsafe void Addr6Be(IPAddress address, uint* words)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"'{address}' is not an IPv6 address", nameof(address));
        address.TryWriteBytes(new Span<byte>(words, 16), out _);
    }

    public static unsafe IPAddress Addr6(uint* words) => new(new ReadOnlySpan<byte>(words, 16));

    public static ushort PortBe(ushort port) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(port) : port;

    public static ushort Port(ushort portBe) => PortBe(portBe);
}
