using System.Diagnostics;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>What the sweeper and the mapping flush need to know about a conntrack entry: its
/// peer (the other direction) and the masquerade reservation the flow owns.</summary>
public static class ConntrackEntry
{
    /// <summary>The other direction's key: the reverse of this entry's translated tuple.</summary>
    public static CtKey PeerKey(in CtKey key, in CtValue value) => new()
    {
        SAddrBe = value.NatDAddrBe,
        DAddrBe = value.NatSAddrBe,
        SPortBe = value.NatDPortBe,
        DPortBe = value.NatSPortBe,
        Proto = key.Proto,
    };

    /// <summary>The dp_snat key owned by a flow whose source was translated, or null.</summary>
    public static SnatKey? OwnedSnat(in CtKey key, in CtValue value)
    {
        var flags = (CtFlags)value.Flags;
        if ((flags & CtFlags.Snat) == 0) return null;
        return (flags & CtFlags.Reply) != 0
            ? new SnatKey { AddrBe = key.DAddrBe, PortBe = key.DPortBe, Proto = key.Proto }
            : new SnatKey { AddrBe = value.NatSAddrBe, PortBe = value.NatSPortBe, Proto = key.Proto };
    }

    public static bool IsExpired(in CtValue value, ulong nowNs) => value.ExpiresNs < nowNs;

    public static bool IsExpired(ulong expiresNs, ulong nowNs) => expiresNs < nowNs;

    /// <summary>Now on the clock of the BPF timestamps (CLOCK_MONOTONIC, bpf_ktime_get_ns).</summary>
    public static ulong MonotonicNowNs()
    {
        long ticks = Stopwatch.GetTimestamp();
        return Stopwatch.Frequency == 1_000_000_000
            ? (ulong)ticks
            : (ulong)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));
    }
}
