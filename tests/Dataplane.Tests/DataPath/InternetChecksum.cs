using System.Buffers.Binary;

namespace Dataplane.Tests.DataPath;

/// <summary>RFC 1071 checksums computed from scratch: the independent referee of the BPF
/// programs' incremental updates.</summary>
internal static class InternetChecksum
{
    public static ushort Compute(ReadOnlySpan<byte> data, uint seed = 0)
    {
        uint sum = seed;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)data[i] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Sum of the IPv4 pseudo-header (not folded, not inverted).</summary>
    public static uint PseudoHeader(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, byte proto, int l4Length)
        => (uint)(BinaryPrimitives.ReadUInt16BigEndian(src) + BinaryPrimitives.ReadUInt16BigEndian(src[2..])
                  + BinaryPrimitives.ReadUInt16BigEndian(dst) + BinaryPrimitives.ReadUInt16BigEndian(dst[2..])
                  + proto + l4Length);

    /// <summary>Asserts that the IPv4 header checksum and the L4 checksum (with pseudo-header for
    /// TCP/UDP; UDP 0 = none) of an Ethernet/IPv4 frame verify. Non-first fragments: header only.</summary>
    public static void AssertValid(ReadOnlySpan<byte> frame)
    {
        var ip = frame[Frames.EthLength..];
        int ihl = (ip[0] & 0xf) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        Assert.True(Compute(ip[..ihl]) == 0, "IPv4 header checksum does not verify");
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1fff) != 0) return;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x2000) != 0) return; // first fragment: L4 sum covers the whole datagram
        byte proto = ip[9];
        var l4 = ip[ihl..total];
        switch (proto)
        {
            case Frames.ProtoTcp:
                Assert.True(Compute(l4, PseudoHeader(ip[12..], ip[16..], proto, l4.Length)) == 0, "TCP checksum does not verify");
                break;
            case Frames.ProtoUdp:
                if (BinaryPrimitives.ReadUInt16BigEndian(l4[6..]) == 0) return; // no checksum
                Assert.True(Compute(l4, PseudoHeader(ip[12..], ip[16..], proto, l4.Length)) == 0, "UDP checksum does not verify");
                break;
            case Frames.ProtoIcmp:
                Assert.True(Compute(l4) == 0, "ICMP checksum does not verify");
                break;
        }
    }
}
