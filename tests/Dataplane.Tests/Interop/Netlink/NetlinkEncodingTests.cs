using Dataplane.Interop.Netlink;

namespace Dataplane.Tests.Interop.Netlink;

/// <summary>Golden bytes derived by hand from the UAPI layouts (nlmsghdr, ifinfomsg, rtattr).</summary>
public class NetlinkEncodingTests
{
    private const ushort RTM_NEWLINK = 16, CreateFlags = 0x1 | 0x4 | 0x200 | 0x400; // REQUEST|ACK|EXCL|CREATE

    [Fact]
    public void BridgeMessage_MatchesGoldenBytes()
    {
        Span<byte> buffer = stackalloc byte[256];
        var w = new NetlinkWriter(buffer);
        w.Header(RTM_NEWLINK, CreateFlags, sequence: 7);
        RtNetlink.BridgeMessage(ref w, "br0", mac: null);

        byte[] expected =
        [
            56, 0, 0, 0,  16, 0,  0x05, 0x06,  7, 0, 0, 0,  0, 0, 0, 0,          // nlmsghdr: len 56, RTM_NEWLINK, flags, seq 7, pid 0
            0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,                   // ifinfomsg (all zero)
            8, 0, 3, 0,  (byte)'b', (byte)'r', (byte)'0', 0,                     // IFLA_IFNAME "br0\0"
            16, 0, 18, 0,                                                         // IFLA_LINKINFO, nested, 16 bytes
            11, 0, 1, 0,  (byte)'b', (byte)'r', (byte)'i', (byte)'d', (byte)'g', (byte)'e', 0, 0, // IFLA_INFO_KIND "bridge\0" + pad
        ];
        Assert.Equal(expected, w.Finish().ToArray());
    }

    [Fact]
    public void VethMessage_PeerWithNamespaceFd_MatchesGoldenBytes()
    {
        Span<byte> buffer = stackalloc byte[256];
        var w = new NetlinkWriter(buffer);
        w.Header(RTM_NEWLINK, CreateFlags, sequence: 1);
        RtNetlink.VethMessage(ref w, "v0", "p0", peerNamespaceFd: 9, mac: null, peerMac: null, mtu: 0);

        byte[] expected =
        [
            96, 0, 0, 0,  16, 0,  0x05, 0x06,  1, 0, 0, 0,  0, 0, 0, 0,
            0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,                   // ifinfomsg
            7, 0, 3, 0,  (byte)'v', (byte)'0', 0, 0,                             // IFLA_IFNAME "v0\0" + pad
            56, 0, 18, 0,                                                         // IFLA_LINKINFO (56)
            9, 0, 1, 0,  (byte)'v', (byte)'e', (byte)'t', (byte)'h', 0, 0, 0, 0, //   IFLA_INFO_KIND "veth\0" + pad
            40, 0, 2, 0,                                                          //   IFLA_INFO_DATA (40)
            36, 0, 1, 0,                                                          //     VETH_INFO_PEER (36)
            0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,                   //       peer ifinfomsg
            7, 0, 3, 0,  (byte)'p', (byte)'0', 0, 0,                             //       IFLA_IFNAME "p0\0" + pad
            8, 0, 28, 0,  9, 0, 0, 0,                                             //       IFLA_NET_NS_FD 9
        ];
        // 16 + 16 + 8 + 56 = 96; the nested lengths 56, 40, 36 are patched after their contents.
        var actual = w.Finish().ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Writer_BufferTooSmall_ThrowsInsteadOfWritingPastIt()
    {
        var buffer = new byte[24];
        Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new NetlinkWriter(buffer);
            w.Header(RTM_NEWLINK, CreateFlags, 1);
            w.String(3, "a-name-too-long");
        });
    }

    [Fact]
    public void Reader_TruncatedMessage_ThrowsNamingTheLengths()
    {
        byte[] header = [40, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        var ex = Assert.Throws<InvalidDataException>(() => NetlinkReader.Messages(header));
        Assert.Contains("length 40", ex.Message);
        Assert.Throws<InvalidDataException>(() => NetlinkReader.Messages(header.AsSpan(0, 10)));
    }

    [Fact]
    public void Reader_AttributeLongerThanItsBuffer_Throws()
    {
        byte[] attr = [12, 0, 3, 0, (byte)'a', 0];
        var ex = Assert.Throws<InvalidDataException>(() => NetlinkReader.Attributes(attr));
        Assert.Contains("length 12", ex.Message);
    }

    [Fact]
    public void Reader_UnknownAndNestedAttributes_AreKept()
    {
        Span<byte> buffer = stackalloc byte[128];
        var w = new NetlinkWriter(buffer);
        w.Header(RTM_NEWLINK, 0, 3);
        w.U32(999, 0xdeadbeef);
        int nest = w.BeginNested(18);
        w.String(1, "veth");
        w.EndNested(nest);
        var msg = Assert.Single(NetlinkReader.Messages(w.Finish()));
        Assert.Equal(3u, msg.Sequence);
        var attrs = NetlinkReader.Attributes(msg.Payload);
        Assert.Equal(0xdeadbeefu, attrs[0].U32);
        Assert.Equal(999, attrs[0].Type);
        Assert.Equal("veth", attrs[1].Nested[0].String);
    }
}
