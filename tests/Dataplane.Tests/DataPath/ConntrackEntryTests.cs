using System.Net;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.DataPath;

/// <summary>The sweeper's view of conntrack entries, and network-order conversions (no privileges).</summary>
public sealed class ConntrackEntryTests
{
    private static readonly CtKey Orig = new() { SAddrBe = Frames.AddrBe("198.19.2.2"), DAddrBe = Frames.AddrBe("198.18.5.5"), SPortBe = Frames.PortBe(5555), DPortBe = Frames.PortBe(443), Proto = 6 };
    private static readonly CtValue OrigVal = new()
    {
        NatSAddrBe = Frames.AddrBe("198.18.0.1"), NatDAddrBe = Frames.AddrBe("198.18.5.5"), NatSPortBe = Frames.PortBe(61000), NatDPortBe = Frames.PortBe(443),
        Flags = (byte)CtFlags.Snat,
    };

    [Fact]
    public void PeerKey_OfOriginalEntry_IsReverseOfTranslatedTuple()
    {
        var peer = ConntrackEntry.PeerKey(Orig, OrigVal);
        Assert.Equal(("198.18.5.5", "198.18.0.1", (ushort)443, (ushort)61000, (byte)6),
            (NetOrder.Addr(peer.SAddrBe).ToString(), NetOrder.Addr(peer.DAddrBe).ToString(), NetOrder.Port(peer.SPortBe), NetOrder.Port(peer.DPortBe), peer.Proto));
    }

    [Fact]
    public void IsExpired_ComparesMonotonicNanoseconds()
    {
        Assert.True(ConntrackEntry.IsExpired(new CtValue { ExpiresNs = 10 }, 11));
        Assert.False(ConntrackEntry.IsExpired(new CtValue { ExpiresNs = 10 }, 10));
        Assert.True(ConntrackEntry.MonotonicNowNs() > 0);
    }

    [Fact]
    public void NetOrder_AddressAndPort_KeepWireBytes()
    {
        var be = NetOrder.AddrBe(IPAddress.Parse("198.18.0.1"));
        Assert.Equal(new byte[] { 198, 18, 0, 1 }, BitConverter.GetBytes(be));
        Assert.Equal(new byte[] { 0x1f, 0x90 }, BitConverter.GetBytes(NetOrder.PortBe(8080)));
        Assert.Equal("198.18.0.1", NetOrder.Addr(be).ToString());
        Assert.Throws<ArgumentException>(() => NetOrder.AddrBe(IPAddress.IPv6Loopback));
    }
}
