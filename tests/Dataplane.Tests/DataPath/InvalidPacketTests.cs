using System.Buffers.Binary;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>What ip_rcv would refuse never opens a flow through a published port: each case is dropped with its
/// counted reason and leaves no conntrack state. Flows already known are not re-checked.</summary>
public sealed class InvalidPacketTests : DataPathTestBase
{
    private static byte[] Syn(string src = Client, ushort sport = 40000) => Tcp(new Ip(src, Host), sport, WebPort, Frames.Syn);

    private static byte[] WithIpChecksum(byte[] f, ushort? checksum = null)
    {
        var h = f.AsSpan(EthLength, Ihl(f));
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], checksum ?? InternetChecksum.Compute(h));
        return f;
    }

    public static TheoryData<string, byte[], DropReason> Invalid => new()
    {
        { "bad IPv4 header checksum", WithIpChecksum(Syn(), 0x1234), DropReason.Malformed },
        { "tot_len beyond the frame", TotLenPlus(Syn(), 8), DropReason.Malformed },
        { "source: the host's own address", Syn(Host2), DropReason.Martian },
        { "source: a bridge gateway of ours", Syn(Gw1), DropReason.Martian },
        { "source: loopback", Syn("127.0.0.1"), DropReason.Martian },
        { "source: 0.0.0.0", Syn("0.0.0.0"), DropReason.Martian },
        { "source: multicast", Syn("224.0.0.1"), DropReason.Martian },
        { "source: broadcast", Syn("255.255.255.255"), DropReason.Martian },
        // PROG_TEST_RUN's skb is CHECKSUM_NONE, as a frame from a NIC that verifies nothing (or a raw socket's over veth).
        { "bad TCP checksum", FlipL4Checksum(Syn()), DropReason.BadChecksum },
        { "bad UDP checksum", FlipL4Checksum(Udp(new Ip(Client, Host), 40000, DnsPort, payload: 1401)), DropReason.BadChecksum },
    };

    public static TheoryData<string, byte[]> ValidL4 => new()
    {
        { "TCP with an odd-length payload", Tcp(new Ip(Client, Host), 40000, WebPort, Frames.Syn, payload: 7) },
        { "UDP of 1,409 bytes (three chunks, odd tail)", Udp(new Ip(Client, Host), 40000, DnsPort, payload: 1401) },
        { "UDP without a checksum (0, RFC 768)", Udp(new Ip(Client, Host), 40000, DnsPort, checksum: false) },
    };

    /// <summary>Corrupts the TCP/UDP checksum field (offset 16 / 6 of the L4 header).</summary>
    private static byte[] FlipL4Checksum(byte[] f)
    {
        int l4 = EthLength + Ihl(f), field = f[EthLength + 9] == ProtoTcp ? 16 : 6;
        f[l4 + field] ^= 0x5a;
        return f;
    }

    private static byte[] TotLenPlus(byte[] f, int more)
    {
        var h = f.AsSpan(EthLength);
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(h[2..]) + more));
        return WithIpChecksum(f);
    }

    [PrivilegedTheory]
    [MemberData(nameof(Invalid))]
    public void UplinkIn_InvalidOpenerToPublishedPort_DroppedCountedWithoutState(string what, byte[] frame, DropReason reason)
    {
        Assert.NotNull(what);
        AssertUntouched(Uplink(frame), frame, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(reason).Packets);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedTheory]
    [MemberData(nameof(ValidL4))]
    public void UplinkIn_OpenerWithAValidL4Checksum_Translated(string what, byte[] frame)
    {
        Assert.NotNull(what);
        Assert.Equal(DpNatObject.TcActRedirect, Uplink(frame).Verdict);
        Assert.Equal(0UL, O.Drops(DropReason.BadChecksum).Packets);
        Assert.Equal(2, CtEntries);
    }

    [PrivilegedFact]
    public void UplinkIn_ValidOpenerWithIpOptionsAndPadding_StillTranslated()
    {
        byte[] options = [0x01, 0x01, 0x01, 0x00];
        var padded = Tcp(new Ip(Client, Host, Options: options), 40000, WebPort, Frames.Syn, payload: 0);
        padded = [.. padded, 0, 0, 0, 0, 0, 0]; // Ethernet padding beyond tot_len is legal
        var r = Uplink(padded);
        Assert.Equal(DpNatObject.TcActRedirect, r.Verdict);
        Assert.Equal(2, CtEntries);
    }
}
