using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Dataplane.Interop.Netlink;

/// <summary>A socket that holds a local port: its address (any: the wildcard), port, protocol, and for
/// IPv6 whether it is IPv6-only (a [::] socket without it holds 0.0.0.0 too).</summary>
public readonly record struct BoundSocket(IPAddress Address, int Port, bool Udp, bool V6Only);

/// <summary>
/// The sockets that hold local ports in the calling thread's network namespace, from NETLINK_SOCK_DIAG
/// (inet_diag dumps, as `ss -ltu` reads them): listening TCP sockets and every UDP socket. One dump
/// per family and protocol however many ports are asked about. TCP sockets bound without listening
/// (TCP_BOUND_INACTIVE, Linux 6.7+) are left out: dumping them walks the kernel's whole bind hash
/// (~5 ms a family here, more than the rest of a 10,000-port publish), and such a socket receives no
/// connection anyway.
/// </summary>
public static class SockDiag
{
    private const ushort SOCK_DIAG_BY_FAMILY = 20;
    private const byte IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    private const int TCP_LISTEN = 10;
    private const ushort INET_DIAG_SKV6ONLY = 11;
    private const int ReplyHeaderSize = 72; // struct inet_diag_msg, attributes follow

    /// <summary>Every port-holding socket of the families and protocols asked for.</summary>
    public static List<BoundSocket> Dump(IEnumerable<(AddressFamily Family, bool Udp)> kinds)
    {
        var sockets = new List<BoundSocket>();
        using var netlink = NetlinkSocket.Open(NetlinkSocket.NETLINK_SOCK_DIAG);
        foreach (var (family, udp) in kinds.Distinct())
        {
            foreach (var reply in netlink.Exchange(Request(netlink.NextSequence(), family, udp), "dump sockets", $"{family} {(udp ? "udp" : "tcp")}"))
                sockets.Add(Parse(reply.Payload, udp));
        }
        return sockets;
    }

    private static byte[] Request(uint sequence, AddressFamily family, bool udp)
    {
        var buffer = new byte[Nl.HeaderSize + 56];
        var w = new NetlinkWriter(buffer);
        w.Header(SOCK_DIAG_BY_FAMILY, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, sequence);
        w.Struct(new InetDiagReqV2
        {
            Family = family == AddressFamily.InterNetworkV6 ? Nl.AF_INET6 : Nl.AF_INET,
            Protocol = udp ? IPPROTO_UDP : IPPROTO_TCP,
            States = udp ? uint.MaxValue : 1u << TCP_LISTEN,
        });
        return w.Finish().ToArray();
    }

    private static BoundSocket Parse(byte[] payload, bool udp)
    {
        if (payload.Length < ReplyHeaderSize)
            throw new InvalidDataException($"inet_diag_msg of {payload.Length} bytes, {ReplyHeaderSize} needed");
        bool v6 = payload[0] == Nl.AF_INET6;
        var address = new IPAddress(payload.AsSpan(8, v6 ? 16 : 4));
        int port = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(4));
        bool v6Only = v6 && NetlinkReader.Attributes(payload.AsSpan(ReplyHeaderSize)).Find(INET_DIAG_SKV6ONLY) is { } a && a.U8 != 0;
        return new BoundSocket(address, port, udp, v6Only);
    }

    /// <summary>struct inet_diag_req_v2; the socket id (48 bytes) stays zero: no filter.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct InetDiagReqV2
    {
        public byte Family, Protocol, Ext, Pad;
        public uint States;
        public ulong Id0, Id1, Id2, Id3, Id4, Id5;
    }
}
