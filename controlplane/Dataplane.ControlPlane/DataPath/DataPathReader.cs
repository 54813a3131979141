using Dataplane.Interop.Bpf;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>Fill of one map: entries in use (hash, LRU and LPM maps, counted by a walk; the every-address port
/// arrays, their published slots) against its size.</summary>
public sealed record MapFill(string Name, BpfMapType Type, int MaxEntries, int? Entries);

/// <summary>
/// What observability reads from the data path beyond the facade: forward-path counters, the
/// event controls and their per-CPU fate, and how full every map is. Reads only, at call time.
/// </summary>
/// <param name="countedInMemory">Entries of a map counted without the kernel (the daemon's mapped arrays), or null.</param>
public sealed class DataPathReader(BpfObject obj, Func<string, int?>? countedInMemory = null)
{
    private readonly BpfMap _fwd = obj.Map(DataPathAbi.MapFwd);
    private readonly BpfMap _dropDir = obj.Map(DataPathAbi.MapDropDir);
    private readonly BpfMap _eventCtl = obj.Map(DataPathAbi.MapEventCtl);
    private readonly BpfMap _eventState = obj.Map(DataPathAbi.MapEventState);

    /// <summary>The ring buffer drop and trace events arrive in.</summary>
    public BpfMap Events { get; } = obj.Map(DataPathAbi.MapEvents);

    /// <summary>Packets and bytes per forward path, summed over the CPUs.</summary>
    public IReadOnlyList<(ForwardPath Path, CounterValue Counter)> Forwarded()
    {
        var paths = Enum.GetValues<ForwardPath>();
        var result = new (ForwardPath, CounterValue)[paths.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            result[i] = (paths[i], Sum(_fwd.LookupPerCpu<uint, CounterValue>((uint)paths[i])));
        }
        return result;
    }

    /// <summary>Drops of packets seen by a tc or XDP program, by reason and direction, summed over the CPUs
    /// (dp_drops has every drop by reason; the difference is what no packet direction applies to).</summary>
    public IReadOnlyDictionary<DropReason, (CounterValue Ingress, CounterValue Egress)> DropsByDirection()
    {
        var result = new Dictionary<DropReason, (CounterValue, CounterValue)>();
        foreach (var reason in DropReasons.All)
        {
            uint index = DropReasons.Index(reason) * 2;
            result[reason] = (Sum(_dropDir.LookupPerCpu<uint, CounterValue>(index)), Sum(_dropDir.LookupPerCpu<uint, CounterValue>(index + 1)));
        }
        return result;
    }

    private static CounterValue Sum(CounterValue[] perCpu)
    {
        var total = new CounterValue();
        foreach (var c in perCpu)
        {
            total.Packets += c.Packets;
            total.Bytes += c.Bytes;
        }
        return total;
    }

    /// <summary>Events emitted, refused by the rate limit, and lost to a full ring buffer, summed over the CPUs.</summary>
    public (ulong Emitted, ulong RateLimited, ulong Lost) EventCounts()
    {
        ulong emitted = 0, limited = 0, lost = 0;
        foreach (var s in _eventState.LookupPerCpu<uint, EventStateValue>(0u))
        {
            emitted += s.Emitted;
            limited += s.RateLimited;
            lost += s.Lost;
        }
        return (emitted, limited, lost);
    }

    public EventCtlValue EventControl() => _eventCtl.Lookup<uint, EventCtlValue>(0u);

    /// <summary>Which event types the data path emits (a mask of 1 &lt;&lt; EventType) and the per-CPU rate (0 = defaults).</summary>
    public void SetEventControl(uint mask, uint rate = 0, uint burst = 0)
        => _eventCtl.Update(0u, new EventCtlValue { Mask = mask, Rate = rate, Burst = burst });

    /// <summary>Every map of the object with its size; entries counted for the maps that have a count
    /// (hash, LRU, LPM trie: a batch walk where the kernel has one), null for arrays (always full), ring
    /// buffers and socket storage. <paramref name="known"/> gives counts the caller has already walked
    /// (the conntrack table at a scrape), so no map is walked twice.</summary>
    public IReadOnlyList<MapFill> Fill(IReadOnlyDictionary<string, int>? known = null)
    {
        var fills = new List<MapFill>();
        foreach (var map in obj.Maps)
        {
            if (map.Name.Contains('.')) continue; // .rodata and friends hold globals
            int? entries = known is not null && known.TryGetValue(map.Name, out var n) ? n
                : countedInMemory?.Invoke(map.Name) is { } counted ? counted
                : map.Type is BpfMapType.Hash or BpfMapType.LruHash or BpfMapType.LpmTrie ? Count(map)
                : map.Name is DataPathAbi.MapPortmapAny ? map.Entries<uint, PortMapValue>().Count(e => e.Value.MappingId != 0)
                : map.Name is DataPathAbi.MapPortmap6Any ? map.Entries<uint, PortMap6Value>().Count(e => e.Value.MappingId != 0)
                : null;
            fills.Add(new MapFill(map.Name, map.Type, map.MaxEntries, entries));
        }
        return fills;
    }

    private static int Count(BpfMap map) => map.Name switch
    {
        DataPathAbi.MapCt => map.Entries<CtKey, CtValue>().Count,
        DataPathAbi.MapPortmap => map.Entries<PortMapKey, PortMapValue>().Count,
        DataPathAbi.MapFrag => map.Entries<Opaque40, Opaque16>().Count,
        DataPathAbi.MapCt6 => map.Keys<Ct6Key>().Count,
        DataPathAbi.MapPortmap6 => map.Keys<PortMap6Key>().Count,
        DataPathAbi.MapEndpoints6 => map.Keys<Endpoint6Key>().Count,
        DataPathAbi.MapNetworks6 => map.Keys<Network6Key>().Count,
        DataPathAbi.MapHostAddr6 => map.Keys<HostAddr6Key>().Count,
        _ => map.KeySize switch
        {
            4 => map.Keys<uint>().Count,
            8 => map.Keys<ulong>().Count,
            _ => throw new InvalidOperationException($"map {map.Name}: no key type of {map.KeySize} bytes to count with"),
        },
    };

    // dp_frag's key and value, only counted.
    private unsafe struct Opaque40
    {
        public fixed byte Bytes[40];
    }

    private unsafe struct Opaque16
    {
        public fixed byte Bytes[16];
    }
}
