using System.Net;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>One side of a flow as a packet carries it on the wire.</summary>
public readonly record struct FlowTuple(IPAddress Source, ushort SourcePort, IPAddress Destination, ushort DestinationPort);

/// <summary>
/// A flow as `conntrack -L` shows it: the original tuple (as the opener sent it), the reply tuple (as
/// the answer travels), what was translated, its state and time left, and each direction's counters.
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
    CounterValue ReplyCounters,
    CtKey OriginalKey,
    CtValue OriginalValue)
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

/// <summary>Pairs conntrack entries into flows (the original-direction entry names the flow).</summary>
public static class ConntrackFlows
{
    public static IReadOnlyList<ConntrackFlow> Pair(IReadOnlyList<(CtKey Key, CtValue Value)> entries)
    {
        var byKey = new Dictionary<CtKey, CtValue>(entries.Count, CtKeyComparer.Instance);
        foreach (var (k, v) in entries) byKey[k] = v;
        var flows = new List<ConntrackFlow>(entries.Count / 2 + 1);
        foreach (var (key, value) in entries)
        {
            if (((CtFlags)value.Flags & CtFlags.Reply) != 0) continue;
            var peerKey = ConntrackEntry.PeerKey(key, value);
            var reply = byKey.TryGetValue(peerKey, out var pv) ? pv.Counters() : default;
            flows.Add(new ConntrackFlow(key.Proto, (CtState)value.State, (CtFlags)value.Flags,
                Tuple(key), Tuple(peerKey), value.MappingId, value.ExpiresNs, value.Counters(), reply, key, value));
        }
        return flows;
    }

    private static CounterValue Counters(this in CtValue v) => new() { Packets = v.Packets, Bytes = v.Bytes };

    private static FlowTuple Tuple(in CtKey k) => new(NetOrder.Addr(k.SAddrBe), NetOrder.Port(k.SPortBe), NetOrder.Addr(k.DAddrBe), NetOrder.Port(k.DPortBe));

    /// <summary>Compares the 16 key bytes (padding included: the kernel compares raw bytes too).</summary>
    private sealed class CtKeyComparer : IEqualityComparer<CtKey>
    {
        public static readonly CtKeyComparer Instance = new();

        public unsafe bool Equals(CtKey a, CtKey b) => new ReadOnlySpan<byte>(&a, sizeof(CtKey)).SequenceEqual(new ReadOnlySpan<byte>(&b, sizeof(CtKey)));

        public unsafe int GetHashCode(CtKey k)
        {
            var span = new ReadOnlySpan<byte>(&k, sizeof(CtKey));
            return HashCode.Combine(BitConverter.ToUInt64(span), BitConverter.ToUInt64(span[8..]));
        }
    }
}
