using System.Buffers.Binary;
using System.Net;

namespace Dataplane.Benchmarks;

/// <summary>Ethernet/IPv4/TCP and UDP frames with correct checksums, enough for the BPF_PROG_TEST_RUN suites
/// (a trimmed copy of the tests' builder; the benchmarks do not reference the test project).</summary>
internal static class Frames
{
    public const byte Syn = 0x02, Ack = 0x10;
    public static readonly byte[] PeerMac = Convert.FromHexString("020000000001");
    public static readonly byte[] HostMac = Convert.FromHexString("020000000002");

    public static byte[] Tcp(string src, string dst, ushort sport, ushort dport, byte flags, int payload = 0)
    {
        var frame = Ipv4(src, dst, 6, 20 + payload);
        Span<byte> ip = frame.AsSpan(14, 20), l4 = frame.AsSpan(34);
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(l4[4..], 1000);
        BinaryPrimitives.WriteUInt32BigEndian(l4[8..], (flags & Ack) != 0 ? 2000u : 0u);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4[14..], 65535);
        for (int i = 20; i < l4.Length; i++) l4[i] = (byte)('A' + i % 26);
        uint pseudo = Sum(ip.Slice(12, 8)) + 6u + (uint)l4.Length;
        BinaryPrimitives.WriteUInt16BigEndian(l4[16..], Checksum(l4, pseudo));
        return frame;
    }

    /// <summary>Ethernet/IPv4/UDP with an 18-byte payload (perf/run's 64-byte datagram frames).</summary>
    public static byte[] Udp(string src, string dst, ushort sport, ushort dport, int payload = 18)
    {
        var frame = Ipv4(src, dst, 17, 8 + payload);
        Span<byte> ip = frame.AsSpan(14, 20), l4 = frame.AsSpan(34);
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
        for (int i = 8; i < l4.Length; i++) l4[i] = (byte)('A' + i % 26);
        uint pseudo = Sum(ip.Slice(12, 8)) + 17u + (uint)l4.Length;
        BinaryPrimitives.WriteUInt16BigEndian(l4[6..], Checksum(l4, pseudo));
        return frame;
    }

    /// <summary>A frame with its Ethernet and 20-byte IPv4 headers written (checksum included); its L4 part from byte 34.</summary>
    private static byte[] Ipv4(string src, string dst, byte proto, int l4Length)
    {
        const int ihl = 20;
        var frame = new byte[14 + ihl + l4Length];
        HostMac.CopyTo(frame, 0);
        PeerMac.CopyTo(frame, 6);
        frame[12] = 0x08;
        var ip = frame.AsSpan(14, ihl);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ihl + l4Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0x1234);
        ip[8] = 64;
        ip[9] = proto;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(ip[12..]);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));
        return frame;
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        ulong sum = initial + (ulong)Sum(data);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
