using System.Buffers.Binary;
using System.Net;

namespace Dataplane.Tests.DataPath;

/// <summary>Builds Ethernet/IPv4 frames with correct checksums, and reads their fields back.</summary>
internal static class Frames
{
    public const int EthLength = 14;
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17;
    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;

    public static readonly byte[] ClientMac = Convert.FromHexString("020000000001");
    public static readonly byte[] HostMac = Convert.FromHexString("020000000002");

    public sealed record Ip(string Src, string Dst, byte Ttl = 64, byte[]? Options = null, ushort FragField = 0,
        ushort Id = 0x1234, byte[]? EthDst = null, byte[]? EthSrc = null);

    public static byte[] Tcp(Ip ip, ushort sport, ushort dport, byte flags, int payload = 16)
    {
        var l4 = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), (flags & Ack) != 0 ? 2000u : 0u);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 65535);
        Fill(l4.AsSpan(20));
        return Build(ip, ProtoTcp, l4, 16);
    }

    public static byte[] Udp(Ip ip, ushort sport, ushort dport, int payload = 16, bool checksum = true)
    {
        var l4 = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        Fill(l4.AsSpan(8));
        return Build(ip, ProtoUdp, l4, checksum ? 6 : -1);
    }

    public static byte[] IcmpEcho(Ip ip, ushort id, bool reply, int payload = 16)
    {
        var l4 = new byte[8 + payload];
        l4[0] = reply ? (byte)0 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(6), 1);
        Fill(l4.AsSpan(8));
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), InternetChecksum.Compute(l4));
        return Build(ip, ProtoIcmp, l4, -1);
    }

    /// <summary>ICMP "fragmentation needed" (type 3 code 4, MTU 1400) quoting an IPv4 packet's head.</summary>
    public static byte[] IcmpError(Ip ip, ReadOnlySpan<byte> quoted)
    {
        var l4 = new byte[8 + quoted.Length];
        l4[0] = 3;
        l4[1] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(6), 1400);
        quoted.CopyTo(l4.AsSpan(8));
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), InternetChecksum.Compute(l4));
        return Build(ip, ProtoIcmp, l4, -1);
    }

    /// <summary>An IPv4 packet of another protocol (e.g. GRE 47) with an opaque payload.</summary>
    public static byte[] Raw(Ip ip, byte proto, int payload = 24)
    {
        var l4 = new byte[payload];
        Fill(l4);
        return Build(ip, proto, l4, -1);
    }

    public static byte[] Arp()
    {
        var f = new byte[42];
        Convert.FromHexString("ffffffffffff").CopyTo(f, 0);
        ClientMac.CopyTo(f, 6);
        f[12] = 0x08; f[13] = 0x06;
        Fill(f.AsSpan(14));
        return f;
    }

    /// <summary>An ARP request (Ethernet/IPv4) from <paramref name="mac"/> claiming <paramref name="sender"/>
    /// (0.0.0.0: a probe); ethSrc: the frame's source MAC when it differs from the claimed one.</summary>
    public static byte[] ArpRequest(byte[] mac, string sender, string target, byte[]? ethSrc = null)
    {
        var f = new byte[EthLength + 28];
        Convert.FromHexString("ffffffffffff").CopyTo(f, 0);
        (ethSrc ?? mac).CopyTo(f, 6);
        f[12] = 0x08; f[13] = 0x06;
        var a = f.AsSpan(EthLength);
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);          // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(a[2..], 0x0800); // IPv4
        a[4] = 6; a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a[6..], 1);      // request
        mac.CopyTo(a[8..]);
        IPAddress.Parse(sender).GetAddressBytes().CopyTo(a[14..]);
        IPAddress.Parse(target).GetAddressBytes().CopyTo(a[24..]);
        return f;
    }

    /// <summary>l4CsumOffset: where the pseudo-header checksum goes, -1 for none (ICMP is done by the caller).</summary>
    private static byte[] Build(Ip ip, byte proto, byte[] l4, int l4CsumOffset)
    {
        var options = ip.Options ?? [];
        if (options.Length % 4 != 0) throw new ArgumentException("IP options must be a multiple of 4 bytes");
        int ihl = 20 + options.Length;
        var frame = new byte[EthLength + ihl + l4.Length];
        (ip.EthDst ?? HostMac).CopyTo(frame, 0);
        (ip.EthSrc ?? (TestWorld.IsContainer(ip.Src) ? TestWorld.MacOf(ip.Src) : ClientMac)).CopyTo(frame, 6); // containers send with their own MAC
        frame[12] = 0x08; frame[13] = 0x00;
        var h = frame.AsSpan(EthLength);
        h[0] = (byte)(0x40 | ihl / 4);
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(ihl + l4.Length));
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], ip.Id);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], ip.FragField);
        h[8] = ip.Ttl;
        h[9] = proto;
        IPAddress.Parse(ip.Src).GetAddressBytes().CopyTo(h[12..]);
        IPAddress.Parse(ip.Dst).GetAddressBytes().CopyTo(h[16..]);
        options.CopyTo(h[20..]);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], InternetChecksum.Compute(h[..ihl]));
        if (l4CsumOffset >= 0)
        {
            var sum = InternetChecksum.Compute(l4, InternetChecksum.PseudoHeader(h[12..], h[16..], proto, l4.Length));
            if (proto == ProtoUdp && sum == 0) sum = 0xffff;
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(l4CsumOffset), sum);
        }
        l4.CopyTo(h[ihl..]);
        return frame;
    }

    private static void Fill(Span<byte> s)
    {
        for (int i = 0; i < s.Length; i++) s[i] = (byte)(0x41 + i % 26);
    }

    // ---- readers ----
    public static int Ihl(ReadOnlySpan<byte> f) => (f[EthLength] & 0xf) * 4;
    public static string Src(ReadOnlySpan<byte> f) => new IPAddress(f.Slice(EthLength + 12, 4)).ToString();
    public static string Dst(ReadOnlySpan<byte> f) => new IPAddress(f.Slice(EthLength + 16, 4)).ToString();
    public static ushort SPort(ReadOnlySpan<byte> f) => BinaryPrimitives.ReadUInt16BigEndian(f[(EthLength + Ihl(f))..]);
    public static ushort DPort(ReadOnlySpan<byte> f) => BinaryPrimitives.ReadUInt16BigEndian(f[(EthLength + Ihl(f) + 2)..]);
    public static ushort IcmpId(ReadOnlySpan<byte> f) => BinaryPrimitives.ReadUInt16BigEndian(f[(EthLength + Ihl(f) + 4)..]);
    public static byte Ttl(ReadOnlySpan<byte> f) => f[EthLength + 8];

    public static uint AddrBe(string a) => BitConverter.ToUInt32(IPAddress.Parse(a).GetAddressBytes());
    public static ushort PortBe(ushort p) => BinaryPrimitives.ReverseEndianness(p);
}
