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

    /// <summary>A flow lives until the later expiry of its two entries: each is pushed by its own direction's
    /// packets, the other only about once a second.</summary>
    [Fact]
    public void Pair_FlowExpiresWithItsLaterEntry()
    {
        var orig = new FlowTuple(IPAddress.Parse("198.19.2.2"), 5555, IPAddress.Parse("198.18.5.5"), 443);
        var reply = new FlowTuple(IPAddress.Parse("198.18.5.5"), 443, IPAddress.Parse("198.18.0.1"), 61000);
        var entries = new List<(int, int, ConntrackEntryView)>
        {
            (1, 2, new(6, orig, reply, CtState.Established, CtFlags.Snat | CtFlags.SeenReply, 0, 100, new CounterValue { Packets = 3 })),
            (2, 1, new(6, reply, orig, CtState.Established, CtFlags.Snat | CtFlags.Reply | CtFlags.SeenReply, 0, 250, new CounterValue { Packets = 7 })),
        };
        var (flow, key, peerKey) = Assert.Single(ConntrackFlows.Pair(entries));
        Assert.Equal((250UL, 3UL, 7UL, 1, 2), (flow.ExpiresNs, flow.OriginalCounters.Packets, flow.ReplyCounters.Packets, key, peerKey));
        entries[1] = entries[1] with { Item3 = entries[1].Item3 with { ExpiresNs = 50 } };
        Assert.Equal(100UL, ConntrackFlows.Pair(entries)[0].Flow.ExpiresNs);
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
