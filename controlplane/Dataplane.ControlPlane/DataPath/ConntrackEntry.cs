using System.Diagnostics;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>What the sweeper and the mapping flush need to know about a conntrack entry: its
/// peer (the other direction), and whether it has expired.</summary>
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
