using System.Net;
using Dataplane.Interop;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>A published port as the data path sees it. HostAddress null = every local address.</summary>
public sealed record PortMapping(uint Id, IPAddress? HostAddress, byte Proto, ushort HostPort, IPAddress ContainerAddress, ushort ContainerPort);

/// <summary>
/// Typed facade over the data path's maps: what the control plane writes (published ports,
/// endpoints, networks, host addresses, configuration) and reads (counters, conntrack), plus the
/// conntrack sweeper. Every key and value is a mirror of bpf/include/dp_abi.h.
/// </summary>
public sealed class DataPathMaps(
    IBpfMap<CtKey, CtValue> conntrack,
    IBpfMap<SnatKey, CtKey> snat,
    IBpfMap<PortMapKey, PortMapValue> portmap,
    IBpfMap<EndpointKey, EndpointValue> endpoints,
    IBpfMap<NetworkKey, NetworkValue> networks,
    IBpfMap<HostAddrKey, HostAddrValue> hostAddresses,
    IBpfMap<IfAddrKey, IfAddrValue> masqueradeAddresses,
    IBpfMap<uint, ConfigValue> config,
    IBpfPerCpuArray<CounterValue> mappingStats,
    IBpfPerCpuArray<CounterValue> drops,
    uint mappingIdLimit = DataPathAbi.MappingIdMax)
{
    /// <summary>Mapping ids run 1..MappingIdLimit-1 (the size of the per-mapping counters).</summary>
    public uint MappingIdLimit => mappingIdLimit;

    // ---- published ports ----

    public static PortMapKey KeyOf(PortMapping m) => new()
    {
        AddrBe = m.HostAddress is null || m.HostAddress.Equals(IPAddress.Any) ? 0 : NetOrder.AddrBe(m.HostAddress),
        PortBe = NetOrder.PortBe(m.HostPort),
        Proto = m.Proto,
    };

    /// <summary>Publishes a port; a host port already taken is an error (one host port, one container).</summary>
    public void AddPortMapping(PortMapping m) => Publish([m], nameof(m));

    /// <summary>
    /// Publishes many ports, all or nothing: every mapping is checked first (as <see cref="AddPortMapping"/>
    /// checks one, and no two may share a host address, port and protocol), then they are written with
    /// one BPF_MAP_UPDATE_BATCH. A host port already published refuses the whole batch before anything is
    /// written (InteropException, EEXIST, naming the port); a write the kernel refuses part-way (e.g. a full
    /// map) removes what was written before it throws.
    /// </summary>
    /// <remarks>The kernel's batch update has no BPF_NOEXIST (elem_flags other than BPF_F_LOCK are
    /// EINVAL), so "not yet published" is checked here and the batch writes create-or-replace. The check
    /// and the write hold a lock, so this facade's own writers cannot slip in between; a second writer of
    /// the same pinned map outside it could.</remarks>
    public void AddPortMappings(IReadOnlyList<PortMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        Publish(mappings, nameof(mappings));
    }

    /// <summary>From this many mappings on, the published keys are read in one walk of the map (batch
    /// lookup, ~0.3 us an entry, at most DP_PORTMAP_MAX entries) instead of a lookup per key (~1 us each).</summary>
    private const int CheckByWalkFrom = 1024;

    private readonly Lock _publishing = new();

    private void Publish(IReadOnlyList<PortMapping> mappings, string paramName)
    {
        int n = mappings.Count;
        if (n == 0) return;
        var snatRange = SnatRange();
        var keys = new PortMapKey[n];
        var values = new PortMapValue[n];
        var index = new Dictionary<ulong, int>(n);
        for (int i = 0; i < n; i++)
        {
            var m = mappings[i] ?? throw new ArgumentNullException(paramName, $"mapping {i} is null");
            Validate(m, snatRange, paramName);
            keys[i] = KeyOf(m);
            values[i] = ValueOf(m);
            if (!index.TryAdd(Packed(keys[i]), i))
                throw new ArgumentException(
                    $"{Describe(m)} appears twice in the batch (mappings {mappings[index[Packed(keys[i])]].Id} and {m.Id}); nothing was published", paramName);
        }

        lock (_publishing)
        {
            if (n == 1)
            {
                // One mapping: the kernel's own NOEXIST check, one syscall.
                try
                {
                    portmap.Update(keys[0], values[0], MapUpdate.NoExist);
                }
                catch (InteropException e) when (e.Errno == Errno.EEXIST)
                {
                    throw Taken(mappings[0], keys[0]);
                }
                return;
            }

            int taken = FirstPublished(keys, index);
            if (taken >= 0) throw Taken(mappings[taken], keys[taken]);
            try
            {
                portmap.UpdateBatch(keys, values);
            }
            catch (InteropException e)
            {
                // None of the keys was there before the write (checked above, under the lock): every
                // one found now is ours. The kernel wrote a prefix; deleting all of them removes it.
                string undo;
                try
                {
                    undo = $"the {portmap.DeleteBatch(keys)} written before it were removed, nothing was published";
                }
                catch (Exception u)
                {
                    undo = $"removing the ones written before it failed too ({u.Message}); some may stay published";
                }
                throw new InteropException("publish ports", DataPathAbi.MapPortmap, e.Errno,
                    $"the kernel refused one of {n} mappings part-way ({e.Message}); {undo}");
            }
        }
    }

    private void Validate(PortMapping m, (ushort Min, ushort Max) snatRange, string paramName)
    {
        if (m.Id == 0 || m.Id >= mappingIdLimit)
            throw new ArgumentOutOfRangeException(paramName, $"mapping id {m.Id} outside 1..{mappingIdLimit - 1}");
        if (m.Proto is not (DataPathAbi.ProtoTcp or DataPathAbi.ProtoUdp))
            throw new ArgumentOutOfRangeException(paramName, $"protocol {m.Proto}: only TCP and UDP ports are published");
        var (snatMin, snatMax) = snatRange;
        if (m.HostPort >= snatMin && m.HostPort <= snatMax)
            throw new ArgumentOutOfRangeException(paramName,
                $"host port {m.HostPort} lies in the masquerade port range {snatMin}-{snatMax}; replies of masqueraded flows would be taken for it");
    }

    private static PortMapValue ValueOf(PortMapping m) => new()
    {
        CtrAddrBe = NetOrder.AddrBe(m.ContainerAddress),
        CtrPortBe = NetOrder.PortBe(m.ContainerPort),
        MappingId = m.Id,
    };

    /// <summary>Index of the first key already in the map, or -1.</summary>
    private int FirstPublished(PortMapKey[] keys, Dictionary<ulong, int> index)
    {
        if (keys.Length < CheckByWalkFrom)
        {
            for (int i = 0; i < keys.Length; i++)
                if (portmap.TryLookup(keys[i], out _)) return i;
            return -1;
        }
        int first = -1;
        foreach (var (key, _) in portmap.Entries())
            if (index.TryGetValue(Packed(key), out var i) && (first < 0 || i < first)) first = i;
        return first;
    }

    private InteropException Taken(PortMapping m, in PortMapKey key)
    {
        var owner = portmap.TryLookup(key, out var v) ? $" (mapping {v.MappingId})" : "";
        return new InteropException("publish port", DataPathAbi.MapPortmap, Errno.EEXIST, $"{Describe(m)} is already published{owner}; nothing was published");
    }

    private static string Describe(PortMapping m)
    {
        var proto = m.Proto switch { DataPathAbi.ProtoTcp => "tcp", DataPathAbi.ProtoUdp => "udp", _ => $"proto {m.Proto}" };
        var on = m.HostAddress is null || m.HostAddress.Equals(IPAddress.Any) ? "every host address" : m.HostAddress.ToString();
        return $"host port {m.HostPort}/{proto} on {on}";
    }

    private static ulong Packed(in PortMapKey k) => k.AddrBe | (ulong)k.PortBe << 32 | (ulong)k.Proto << 48 | (ulong)k.Pad << 56;

    /// <summary>Unpublishes: new flows stop at once, then the flows the mapping owned are removed
    /// (no stale UDP flow keeps the old translation). Returns the number of conntrack entries removed.</summary>
    public int RemovePortMapping(PortMapping m) => RemovePortMappings([m]);

    /// <summary>Unpublishes many (a container's ports) with one walk of the conntrack table.</summary>
    /// <remarks>Flows are found by the mapping id the kernel holds for each port (an earlier daemon's id after a restart).</remarks>
    public int RemovePortMappings(IReadOnlyList<PortMapping> mappings)
    {
        var ids = new HashSet<uint>();
        foreach (var m in mappings)
        {
            var key = KeyOf(m);
            var id = portmap.TryLookup(key, out var published) ? published.MappingId : m.Id;
            if (id != 0) ids.Add(id); // 0 tags the flows of no mapping (masquerade): never flush those
            portmap.Delete(key);
        }
        return ids.Count == 0 ? 0 : FlushMappings(ids);
    }

    /// <summary>Every published port as the kernel has it (what a restarted daemon adopts).</summary>
    public IReadOnlyList<PortMapping> PortMappings() => portmap.Entries()
        .Select(e => new PortMapping(e.Value.MappingId, e.Key.AddrBe == 0 ? null : NetOrder.Addr(e.Key.AddrBe), e.Key.Proto,
            NetOrder.Port(e.Key.PortBe), NetOrder.Addr(e.Value.CtrAddrBe), NetOrder.Port(e.Value.CtrPortBe)))
        .ToList();

    /// <summary>Removes every conntrack entry (both directions) and reservation of a mapping's flows.</summary>
    public int FlushMapping(uint mappingId) => FlushMappings(new HashSet<uint> { mappingId });

    /// <summary>Both directions and the masquerade reservation of every flow the mappings own, each
    /// once, then one batch delete a map (a full 262,144-entry table: ~0.4 s, a quarter of it the walk).</summary>
    private int FlushMappings(IReadOnlySet<uint> mappingIds)
    {
        var entries = conntrack.Entries();
        var flows = new Dictionary<(ulong, ulong), CtKey>(entries.Count);
        var reservations = new Dictionary<ulong, SnatKey>();
        foreach (var (key, v) in entries)
        {
            if (!mappingIds.Contains(v.MappingId)) continue;
            var peer = ConntrackEntry.PeerKey(key, v); // also when the snapshot missed it
            flows.TryAdd(Packed(key), key);
            flows.TryAdd(Packed(peer), peer);
            if (ConntrackEntry.OwnedSnat(key, v) is { } r) reservations.TryAdd(Packed(r), r);
        }
        snat.DeleteBatch([.. reservations.Values]);
        return conntrack.DeleteBatch([.. flows.Values]);
    }

    private static unsafe (ulong, ulong) Packed(in CtKey k)
        => (k.SAddrBe | (ulong)k.DAddrBe << 32, k.SPortBe | (ulong)k.DPortBe << 16 | (ulong)k.Proto << 32 | (ulong)k.Pad[0] << 40 | (ulong)k.Pad[1] << 48 | (ulong)k.Pad[2] << 56);

    private static ulong Packed(in SnatKey k) => k.AddrBe | (ulong)k.PortBe << 32 | (ulong)k.Proto << 48 | (ulong)k.Pad << 56;

    // ---- endpoints, networks, host addresses, configuration ----

    public unsafe void SetEndpoint(IPAddress address, uint hostVethIfindex, uint networkId, ReadOnlySpan<byte> mac, ReadOnlySpan<byte> gatewayMac)
    {
        if (mac.Length != 6 || gatewayMac.Length != 6) throw new ArgumentException("MAC addresses are 6 bytes");
        var ep = new EndpointValue { Ifindex = hostVethIfindex, NetworkId = networkId };
        mac.CopyTo(new Span<byte>(ep.Mac, 6));
        gatewayMac.CopyTo(new Span<byte>(ep.GwMac, 6));
        endpoints.Update(new EndpointKey { AddrBe = NetOrder.AddrBe(address) }, ep);
    }

    public bool RemoveEndpoint(IPAddress address) => endpoints.Delete(new EndpointKey { AddrBe = NetOrder.AddrBe(address) });

    public void SetNetwork(IPAddress subnet, int prefixLength, uint networkId, IPAddress gateway, NetworkFlags flags)
    {
        if (prefixLength is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        networks.Update(new NetworkKey { PrefixLen = (uint)prefixLength, AddrBe = NetOrder.AddrBe(subnet) },
            new NetworkValue { NetworkId = networkId, Flags = (uint)flags, GatewayBe = NetOrder.AddrBe(gateway) });
    }

    public bool RemoveNetwork(IPAddress subnet, int prefixLength)
        => networks.Delete(new NetworkKey { PrefixLen = (uint)prefixLength, AddrBe = NetOrder.AddrBe(subnet) });

    /// <summary>A local address of the host namespace (uplinks and bridge gateways).</summary>
    public void AddHostAddress(IPAddress address, uint ifindex)
        => hostAddresses.Update(new HostAddrKey { AddrBe = NetOrder.AddrBe(address) }, new HostAddrValue { Ifindex = ifindex });

    public bool RemoveHostAddress(IPAddress address) => hostAddresses.Delete(new HostAddrKey { AddrBe = NetOrder.AddrBe(address) });

    /// <summary>Masquerade source for traffic leaving by ifindex; ifindex 0 = for every other device.</summary>
    public void SetMasqueradeAddress(uint ifindex, IPAddress address)
        => masqueradeAddresses.Update(new IfAddrKey { Ifindex = ifindex }, new IfAddrValue { AddrBe = NetOrder.AddrBe(address) });

    public bool RemoveMasqueradeAddress(uint ifindex) => masqueradeAddresses.Delete(new IfAddrKey { Ifindex = ifindex });

    /// <summary>netnsCookie: the daemon's namespace (SO_NETNS_COOKIE), where the socket hooks act.</summary>
    public unsafe void Configure(ulong netnsCookie, ushort snatPortMin, ushort snatPortMax, ConntrackTimeouts? timeouts = null)
    {
        if (snatPortMin == 0 || snatPortMax < snatPortMin)
            throw new ArgumentOutOfRangeException(nameof(snatPortMin), $"masquerade port range {snatPortMin}-{snatPortMax} is empty");
        var value = new ConfigValue { NetnsCookie = netnsCookie, SnatPortMin = snatPortMin, SnatPortMax = snatPortMax };
        var byClass = (timeouts ?? new ConntrackTimeouts()).ByClass();
        for (int i = 0; i < DataPathAbi.CtTimeoutClasses; i++) value.CtTimeout[i] = byClass[i];
        config.Update(0, value);
    }

    /// <summary>The masquerade port range in force (the BPF defaults when not configured).</summary>
    public (ushort Min, ushort Max) SnatRange()
    {
        if (config.TryLookup(0, out var c) && (c.SnatPortMin != 0 || c.SnatPortMax != 0))
            return (c.SnatPortMin, c.SnatPortMax);
        return (DataPathAbi.SnatPortMinDefault, DataPathAbi.SnatPortMaxDefault);
    }

    // ---- counters ----

    public CounterValue MappingCounters(uint mappingId) => Sum(mappingStats.Lookup(mappingId));

    public IReadOnlyDictionary<DropReason, CounterValue> Drops()
        => DropReasons.All.ToDictionary(r => r, r => Sum(drops.Lookup(DropReasons.Index(r))));

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

    // ---- conntrack ----

    /// <summary>Removes flows whose both entries have expired (CLOCK_MONOTONIC, as the BPF side
    /// stamps them). An entry refreshed between the read and the delete is re-checked first.
    /// Returns the number of entries removed.</summary>
    public int SweepConntrack(ulong nowNs)
    {
        int removed = 0;
        foreach (var (key, snapshot) in conntrack.Entries())
        {
            // Re-read: the data path may have refreshed the flow since the snapshot.
            if (!ConntrackEntry.IsExpired(snapshot, nowNs) || !conntrack.TryLookup(key, out var v) || !ConntrackEntry.IsExpired(v, nowNs)) continue;
            var peer = ConntrackEntry.PeerKey(key, v);
            if (conntrack.TryLookup(peer, out var pv) && !ConntrackEntry.IsExpired(pv, nowNs)) continue;
            removed += RemoveFlow(key, v);
        }
        return removed;
    }

    public int SweepConntrack() => SweepConntrack(ConntrackEntry.MonotonicNowNs());

    public IReadOnlyList<(CtKey Key, CtValue Value)> ConntrackEntries()
    {
        return conntrack.Entries().Select(e => (e.Key, e.Value)).ToList();
    }

    private int RemoveFlow(in CtKey key, in CtValue value)
    {
        int removed = conntrack.Delete(key) ? 1 : 0;
        if (conntrack.Delete(ConntrackEntry.PeerKey(key, value))) removed++;
        if (ConntrackEntry.OwnedSnat(key, value) is { } reservation) snat.Delete(reservation);
        return removed;
    }
}
