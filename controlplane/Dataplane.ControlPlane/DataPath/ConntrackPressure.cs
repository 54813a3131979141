namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// The sweeper's half of nf_conntrack's early drop. The data path evicts from the last flows its CPU
/// created (dp_ct_recent); once those are spent (their flows became established, or a table filled
/// with older unanswered flows) a full table would refuse every new flow until its entries expired.
/// A sweep that finds a table over <see cref="High"/> of its capacity therefore evicts flows that are
/// not assured, least recently active first, down to <see cref="Low"/>, as nf_conntrack's gc_worker
/// does above 95%.
/// </summary>
public static class ConntrackPressure
{
    /// <summary>A table fuller than this after a sweep's expiry pass is under pressure.</summary>
    public const double High = 0.90;

    /// <summary>Where eviction stops: room for bursts of new flows before the next sweep.</summary>
    public const double Low = 0.75;

    /// <summary>The twin of dp_ct_can_early_drop: a flow may give up its entries unless it is assured
    /// (a TCP connection past its handshake and not closing; a UDP flow answered and alive beyond the
    /// stream window); an expired flow always may. ICMP echo flows are never assured.</summary>
    public static bool CanEarlyDrop(byte proto, CtState state, uint createdMs, ulong expiresNs, ulong nowNs)
    {
        if (ConntrackEntry.IsExpired(expiresNs, nowNs)) return true;
        if (state == CtState.Replied && proto == (byte)System.Net.Sockets.ProtocolType.Udp)
            return (uint)(nowNs / 1_000_000) - createdMs <= DataPathAbi.CtUdpStreamMs; // a request and its answer
        return state != CtState.Established;
    }

    /// <summary>How many flows (two entries each) to evict so that <paramref name="entries"/> falls to
    /// <see cref="Low"/>; none unless it is over <see cref="High"/>.</summary>
    public static int FlowsToEvict(int entries, int capacity)
        => capacity > 0 && entries > capacity * High ? (entries - (int)(capacity * Low) + 1) / 2 : 0;

    /// <summary>The <paramref name="count"/> least recently active of the candidates.</summary>
    public static List<T> Victims<T>(List<T> candidates, Func<T, ulong> lastSeenNs, int count)
    {
        if (candidates.Count > count) candidates.Sort((a, b) => lastSeenNs(a).CompareTo(lastSeenNs(b)));
        return candidates.Count > count ? candidates.GetRange(0, count) : candidates;
    }
}
