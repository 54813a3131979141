using System.Buffers.Binary;
using System.Net;

namespace Dataplane.Tests.DataPath;

/// <summary>Builds Ethernet/IPv6 frames (extension headers included) with correct checksums, and verifies
/// a frame's L4 checksum from scratch, pseudo-header included: the referee of dp_csum6.h.</summary>
internal static class Frames6
{
    public const byte ProtoIcmpV6 = 58, NextHop = 0, NextRouting = 43, NextFragment = 44, NextDest = 60;
    public const int Ip6Length = 40;

    /// <summary>Ext: extension headers in order (hop-by-hop, destination options: 8 bytes of padding;
    /// fragment: see Frag); Frag: (offset in bytes, more fragments, id) of a fragment header.</summary>
    public sealed record Ip6(string Src, string Dst, byte Hop = 64, byte[]? Ext = null, (int Offset, bool More, uint Id)? Frag = null,
        byte[]? EthDst = null, byte[]? EthSrc = null);

    public static byte[] Tcp(Ip6 ip, ushort sport, ushort dport, byte flags, int payload = 16)
    {
        var l4 = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), (flags & Frames.Ack) != 0 ? 2000u : 0u);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 65535);
        Fill(l4.AsSpan(20));
        return Build(ip, Frames.ProtoTcp, l4, 16);
    }

    public static byte[] Udp(Ip6 ip, ushort sport, ushort dport, int payload = 16)
    {
        var l4 = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        Fill(l4.AsSpan(8));
        return Build(ip, Frames.ProtoUdp, l4, 6);
    }

    public static byte[] IcmpEcho(Ip6 ip, ushort id, bool reply, int payload = 16)
    {
        var l4 = new byte[8 + payload];
        l4[0] = reply ? (byte)129 : (byte)128;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(6), 1);
        Fill(l4.AsSpan(8));
        return Build(ip, ProtoIcmpV6, l4, 2);
    }

    /// <summary>ICMPv6 of a type without ports: neighbour solicitation (135) for target, router solicitation (133)...</summary>
    public static byte[] Icmp(Ip6 ip, byte type, string? target = null)
    {
        var l4 = new byte[target is null ? 8 : 24];
        l4[0] = type;
        if (target is not null) IPAddress.Parse(target).GetAddressBytes().CopyTo(l4, 8);
        return Build(ip, ProtoIcmpV6, l4, 2);
    }

    /// <summary>An ICMPv6 error (type, code, MTU or pointer) quoting the IPv6 packet of <paramref name="quotedFrame"/> whole.</summary>
    public static byte[] IcmpError(Ip6 ip, byte type, byte code, uint mtu, byte[] quotedFrame)
    {
        var quote = quotedFrame.AsSpan(Frames.EthLength);
        var l4 = new byte[8 + quote.Length];
        l4[0] = type;
        l4[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), mtu);
        quote.CopyTo(l4.AsSpan(8));
        return Build(ip, ProtoIcmpV6, l4, 2);
    }

    /// <summary>The packet an ICMPv6 error frame (no extension headers) quotes, as a frame of its own, to verify its checksum.</summary>
    public static byte[] Quoted(byte[] errorFrame)
        => [.. errorFrame.AsSpan(0, Frames.EthLength), .. errorFrame.AsSpan(Frames.EthLength + Ip6Length + 8)];

    private static byte[] Build(Ip6 ip, byte proto, byte[] l4, int csumOffset)
    {
        var ext = Extensions(ip, proto, out byte first);
        var frame = new byte[Frames.EthLength + Ip6Length + ext.Length + l4.Length];
        (ip.EthDst ?? Frames.HostMac).CopyTo(frame, 0);
        (ip.EthSrc ?? Frames.ClientMac).CopyTo(frame, 6);
        frame[12] = 0x86; frame[13] = 0xdd;
        var h = frame.AsSpan(Frames.EthLength);
        h[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)(ext.Length + l4.Length));
        h[6] = first;
        h[7] = ip.Hop;
        IPAddress.Parse(ip.Src).GetAddressBytes().CopyTo(h[8..]);
        IPAddress.Parse(ip.Dst).GetAddressBytes().CopyTo(h[24..]);
        ext.CopyTo(h[Ip6Length..]);
        var sum = InternetChecksum.Compute(l4, PseudoHeader(h[8..24], h[24..40], proto, l4.Length));
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(csumOffset), sum);
        l4.CopyTo(h[(Ip6Length + ext.Length)..]);
        return frame;
    }

    /// <summary>The extension headers, each naming the next; first: the IPv6 header's next header.</summary>
    private static byte[] Extensions(Ip6 ip, byte proto, out byte first)
    {
        var types = (ip.Ext ?? []).ToList();
        if (ip.Frag is not null) types.Add(NextFragment);
        var bytes = new byte[types.Count * 8];
        for (int i = 0; i < types.Count; i++)
        {
            var e = bytes.AsSpan(i * 8, 8);
            e[0] = i + 1 < types.Count ? types[i + 1] : proto;
            if (types[i] == NextFragment)
            {
                var (offset, more, id) = ip.Frag!.Value;
                BinaryPrimitives.WriteUInt16BigEndian(e[2..], (ushort)(offset | (more ? 1 : 0)));
                BinaryPrimitives.WriteUInt32BigEndian(e[4..], id);
            }
            else if (types[i] == NextRouting)
            {
                e[2] = 0; // type 0 routing header with no segments left: skipped by every node
            }
            else
            {
                e[2] = 1; e[3] = 4; // PadN over the remaining 6 bytes
            }
        }
        first = types.Count > 0 ? types[0] : proto;
        return bytes;
    }

    private static void Fill(Span<byte> s)
    {
        for (int i = 0; i < s.Length; i++) s[i] = (byte)(0x61 + i % 26);
    }

    /// <summary>Sum of the IPv6 pseudo-header (RFC 8200 8.1; not folded, not inverted).</summary>
    public static uint PseudoHeader(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, byte proto, int l4Length)
    {
        uint sum = 0;
        for (int i = 0; i < 16; i += 2) sum += (uint)BinaryPrimitives.ReadUInt16BigEndian(src[i..]) + BinaryPrimitives.ReadUInt16BigEndian(dst[i..]);
        return sum + (uint)(l4Length >> 16) + (uint)(l4Length & 0xffff) + proto;
    }

    /// <summary>The L4 checksum of an unfragmented Ethernet/IPv6 frame verifies over its pseudo-header.</summary>
    public static void AssertValid(ReadOnlySpan<byte> frame)
    {
        var ip = frame[Frames.EthLength..];
        int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        byte next = ip[6];
        int off = Ip6Length;
        while (next is NextHop or NextRouting or NextDest)
        {
            next = ip[off];
            off += (ip[off + 1] + 1) * 8;
        }
        Assert.NotEqual(NextFragment, next); // a fragment's checksum covers the whole datagram
        var l4 = ip[off..(Ip6Length + payload)];
        Assert.True(InternetChecksum.Compute(l4, PseudoHeader(ip[8..24], ip[24..40], next, l4.Length)) == 0,
            $"L4 checksum (protocol {next}) does not verify over the IPv6 pseudo-header");
    }

    // ---- readers ----
    public static string Src(ReadOnlySpan<byte> f) => new IPAddress(f.Slice(Frames.EthLength + 8, 16)).ToString();
    public static string Dst(ReadOnlySpan<byte> f) => new IPAddress(f.Slice(Frames.EthLength + 24, 16)).ToString();
    /// <summary>Source port (ICMPv6 echo: the id) of a frame without extension headers.</summary>
    public static ushort SPort6(ReadOnlySpan<byte> f) => BinaryPrimitives.ReadUInt16BigEndian(f[(Frames.EthLength + Ip6Length + (f[Frames.EthLength + 6] == ProtoIcmpV6 ? 4 : 0))..]);

    public static unsafe void Addr(string a, uint* words)
    {
        var b = IPAddress.Parse(a).GetAddressBytes();
        for (int i = 0; i < 4; i++) words[i] = BitConverter.ToUInt32(b, i * 4);
    }
}
