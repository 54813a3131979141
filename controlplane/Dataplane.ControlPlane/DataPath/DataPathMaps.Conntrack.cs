namespace Dataplane.ControlPlane.DataPath;

/// <summary>The conntrack side of the facade: sweeping expired flows, flushing a mapping's flows, listing.</summary>
public sealed partial class DataPathMaps
{
    /// <summary>Removes flows whose both entries have expired (CLOCK_MONOTONIC, as the BPF side
    /// stamps them). An entry refreshed between the read and the delete is re-checked first.
    /// Returns the number of entries removed.</summary>
    public int SweepConntrack(ulong nowNs) => Sweep(nowNs, capacity: 0).Removed;

    /// <summary>A sweep: expired flows go, then, when the table is still over <see cref="ConntrackPressure.High"/>
    /// of <paramref name="capacity"/>, flows that are not assured (least recently active first). Returns the
    /// entries removed and how many were walked (the table's fill, for the GC's schedule).</summary>
    public (int Removed, int Walked) Sweep(ulong nowNs, int capacity)
    {
        int removed = 0;
        var entries = conntrack.Entries();
        var droppable = new List<KeyValuePair<CtKey, CtValue>>();
        bool pressure = ConntrackPressure.FlowsToEvict(entries.Count, capacity) > 0; // else no candidate is needed
        foreach (var (key, snapshot) in entries)
        {
            if (!ConntrackEntry.IsExpired(snapshot, nowNs))
            {
                if (pressure && ((CtFlags)snapshot.Flags & CtFlags.Reply) == 0 && CanEarlyDrop(key, snapshot, nowNs)) droppable.Add(new(key, snapshot));
                continue;
            }
            // Re-read: the data path may have refreshed the flow since the snapshot.
            if (!conntrack.TryLookup(key, out var v) || !ConntrackEntry.IsExpired(v, nowNs)) continue;
            var peer = ConntrackEntry.PeerKey(key, v);
            if (conntrack.TryLookup(peer, out var pv) && !ConntrackEntry.IsExpired(pv, nowNs)) continue;
            removed += RemoveFlow(key, v);
        }
        int evict = ConntrackPressure.FlowsToEvict(entries.Count - removed, capacity);
        foreach (var (key, _) in ConntrackPressure.Victims(droppable, e => e.Value.LastSeenNs, evict))
        {
            if (conntrack.TryLookup(key, out var v) && CanEarlyDrop(key, v, nowNs)) removed += RemoveFlow(key, v); // still not assured
        }
        return (removed, entries.Count);
    }

    private static bool CanEarlyDrop(in CtKey key, in CtValue v, ulong nowNs)
        => ConntrackPressure.CanEarlyDrop(key.Proto, (CtState)v.State, v.CreatedMs, v.ExpiresNs, nowNs);

    public int SweepConntrack() => SweepConntrack(ConntrackEntry.MonotonicNowNs());

    public IReadOnlyList<(CtKey Key, CtValue Value)> ConntrackEntries()
    {
        return conntrack.Entries().Select(e => (e.Key, e.Value)).ToList();
    }

    /// <summary>The IPv4 table's entries by protocol and state, and its masqueraded flows, in one walk.</summary>
    public ConntrackCensus ConntrackCounts()
    {
        var census = new ConntrackCensus();
        foreach (var (k, v) in conntrack.Entries()) census.Add(k.Proto, v.State, v.Flags);
        return census;
    }

    /// <summary>Every IPv4 flow (pairs of entries), as `conntrack ls` shows them.</summary>
    public IReadOnlyList<ConntrackFlow> ConntrackFlows() => [.. Paired().Select(p => p.Flow)];

    /// <summary>Removes the IPv4 flows <paramref name="match"/> selects, both directions with one batch delete.
    /// Returns the number of flows removed.</summary>
    public int FlushFlows(Func<ConntrackFlow, bool> match)
    {
        var keys = DataPath.ConntrackFlows.KeysOf(Paired(), match);
        if (keys.Length > 0) conntrack.DeleteBatch(keys);
        return keys.Length / 2;
    }

    private List<(ConntrackFlow Flow, CtKey Key, CtKey PeerKey)> Paired() => DataPath.ConntrackFlows.Pair(conntrack.Entries().Select(e =>
    {
        var peer = ConntrackEntry.PeerKey(e.Key, e.Value);
        return (e.Key, peer, new ConntrackEntryView(e.Key.Proto, Tuple(e.Key), Tuple(peer), (CtState)e.Value.State, (CtFlags)e.Value.Flags,
            e.Value.MappingId, e.Value.ExpiresNs, new CounterValue { Packets = e.Value.Packets, Bytes = e.Value.Bytes }));
    }).ToList());

    private static FlowTuple Tuple(in CtKey k) => new(NetOrder.Addr(k.SAddrBe), NetOrder.Port(k.SPortBe), NetOrder.Addr(k.DAddrBe), NetOrder.Port(k.DPortBe));

    private int RemoveFlow(in CtKey key, in CtValue value)
    {
        int removed = conntrack.Delete(key) ? 1 : 0;
        if (conntrack.Delete(ConntrackEntry.PeerKey(key, value))) removed++;
        return removed;
    }

    /// <summary>Both directions of every flow the mappings own, each once, then one batch delete (a full 262,144-entry table: ~0.4 s, a quarter of it the walk).</summary>
    private int FlushMappings(IReadOnlySet<uint> mappingIds)
    {
        var keys = DataPath.ConntrackFlows.OwnedBy(conntrack.Entries(), mappingIds, v => v.MappingId, (k, v) => ConntrackEntry.PeerKey(k, v));
        return keys.Length == 0 ? 0 : conntrack.DeleteBatch(keys);
    }
}
