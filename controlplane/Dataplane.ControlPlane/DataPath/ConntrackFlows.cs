using System.Net;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>One side of a flow as a packet carries it on the wire.</summary>
public readonly record struct FlowTuple(IPAddress Source, ushort SourcePort, IPAddress Destination, ushort DestinationPort);

/// <summary>
/// A flow as `conntrack -L` shows it: the original tuple (as the opener sent it), the reply tuple (as
/// the answer travels), what was translated, its state and time left, and each direction's counters.
/// IPv4 and IPv6 flows alike (the tuples' addresses say which).
/// </summary>
public sealed record ConntrackFlow(
    byte Proto,
    CtState State,
    CtFlags Flags,
    FlowTuple Original,
    FlowTuple Reply,
    uint MappingId,
    ulong ExpiresNs,
    CounterValue OriginalCounters,
    CounterValue ReplyCounters)
{
    /// <summary>dnat (a published port), hairpin (a container to a published port), masquerade, or none.</summary>
    public string Translation => (Flags & CtFlags.Hairpin) != 0 ? "hairpin"
        : (Flags & CtFlags.Dnat) != 0 ? ((Flags & CtFlags.Snat) != 0 ? "dnat+snat" : "dnat")
        : (Flags & CtFlags.Snat) != 0 ? "masquerade" : "none";

    /// <summary>Every address and port the flow has on either side, for filters.</summary>
    public bool Involves(IPAddress address) =>
        Original.Source.Equals(address) || Original.Destination.Equals(address) || Reply.Source.Equals(address) || Reply.Destination.Equals(address);

    public bool HasPort(int port) =>
        Original.SourcePort == port || Original.DestinationPort == port || Reply.SourcePort == port || Reply.DestinationPort == port;
}

/// <summary>One conntrack entry of either table, read: the tuple it is keyed by, its peer entry's tuple,
/// and what its value says.</summary>
public readonly record struct ConntrackEntryView(byte Proto, FlowTuple Tuple, FlowTuple Peer, CtState State, CtFlags Flags,
    uint MappingId, ulong ExpiresNs, CounterValue Counters);

/// <summary>Pairs a table's entries into flows (the original-direction entry names the flow), each with the
/// keys of its two entries, so that a flush deletes exactly them.</summary>
public static class ConntrackFlows
{
    public static List<(ConntrackFlow Flow, TKey Key, TKey PeerKey)> Pair<TKey>(IReadOnlyList<(TKey Key, TKey PeerKey, ConntrackEntryView Entry)> entries)
    {
        var byTuple = new Dictionary<(byte, FlowTuple), (CounterValue Counters, ulong ExpiresNs)>(entries.Count);
        foreach (var (_, _, e) in entries) byTuple[(e.Proto, e.Tuple)] = (e.Counters, e.ExpiresNs);
        var flows = new List<(ConntrackFlow, TKey, TKey)>(entries.Count / 2 + 1);
        foreach (var (key, peerKey, e) in entries)
        {
            if ((e.Flags & CtFlags.Reply) != 0) continue;
            byTuple.TryGetValue((e.Proto, e.Peer), out var reply);
            // Each direction's entry carries the expiry its own last packet set (the data path tells
            // the peer about once a second): the flow lives until the later of the two.
            ulong expiresNs = Math.Max(e.ExpiresNs, reply.ExpiresNs);
            flows.Add((new ConntrackFlow(e.Proto, e.State, e.Flags, e.Tuple, e.Peer, e.MappingId, expiresNs, e.Counters, reply.Counters), key, peerKey));
        }
        return flows;
    }

    /// <summary>The keys of both entries of every flow the mappings own, each once (compared as the kernel
    /// compares them); the peer's key also when the snapshot missed that entry.</summary>
    public static TKey[] OwnedBy<TKey, TValue>(IEnumerable<KeyValuePair<TKey, TValue>> entries, IReadOnlySet<uint> mappingIds,
        Func<TValue, uint> mappingIdOf, Func<TKey, TValue, TKey> peerKeyOf) where TKey : unmanaged
    {
        var keys = new HashSet<TKey>(RawKeyComparer<TKey>.Instance);
        foreach (var (key, value) in entries)
        {
            if (!mappingIds.Contains(mappingIdOf(value))) continue;
            keys.Add(key);
            keys.Add(peerKeyOf(key, value));
        }
        return [.. keys];
    }

    /// <summary>The keys of both entries of every flow <paramref name="match"/> selects (what a flush deletes).</summary>
    public static TKey[] KeysOf<TKey>(List<(ConntrackFlow Flow, TKey Key, TKey PeerKey)> flows, Func<ConntrackFlow, bool> match)
        => [.. flows.Where(p => match(p.Flow)).SelectMany(p => new[] { p.Key, p.PeerKey })];
}
