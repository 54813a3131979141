using System.Net;

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
    IBpfPerCpuArray<CounterValue> drops)
{
    // ---- published ports ----

    public static PortMapKey KeyOf(PortMapping m) => new()
    {
        AddrBe = m.HostAddress is null || m.HostAddress.Equals(IPAddress.Any) ? 0 : NetOrder.AddrBe(m.HostAddress),
        PortBe = NetOrder.PortBe(m.HostPort),
        Proto = m.Proto,
    };

    /// <summary>Publishes a port; a host port already taken is an error (one host port, one container).</summary>
    public void AddPortMapping(PortMapping m)
    {
        if (m.Id == 0 || m.Id >= DataPathAbi.MappingIdMax)
            throw new ArgumentOutOfRangeException(nameof(m), $"mapping id {m.Id} outside 1..{DataPathAbi.MappingIdMax - 1}");
        if (m.Proto is not (DataPathAbi.ProtoTcp or DataPathAbi.ProtoUdp))
            throw new ArgumentOutOfRangeException(nameof(m), $"protocol {m.Proto}: only TCP and UDP ports are published");
        var (snatMin, snatMax) = SnatRange();
        if (m.HostPort >= snatMin && m.HostPort <= snatMax)
            throw new ArgumentOutOfRangeException(nameof(m),
                $"host port {m.HostPort} lies in the masquerade port range {snatMin}-{snatMax}; replies of masqueraded flows would be taken for it");
        portmap.Update(KeyOf(m), new PortMapValue
        {
            CtrAddrBe = NetOrder.AddrBe(m.ContainerAddress),
            CtrPortBe = NetOrder.PortBe(m.ContainerPort),
            MappingId = m.Id,
        }, MapUpdate.NoExist);
    }

    /// <summary>Unpublishes: new flows stop at once, then the flows the mapping owned are removed
    /// (no stale UDP flow keeps the old translation). Returns the number of conntrack entries removed.</summary>
    public int RemovePortMapping(PortMapping m)
    {
        portmap.Delete(KeyOf(m));
        return FlushMapping(m.Id);
    }

    /// <summary>Removes every conntrack entry (both directions) and reservation of a mapping's flows.</summary>
    public int FlushMapping(uint mappingId)
    {
        int removed = 0;
        foreach (var (key, v) in conntrack.Entries())
            if (v.MappingId == mappingId)
                removed += RemoveFlow(key, v);
        return removed;
    }

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
    public void Configure(ulong netnsCookie, ushort snatPortMin, ushort snatPortMax)
    {
        if (snatPortMin == 0 || snatPortMax < snatPortMin)
            throw new ArgumentOutOfRangeException(nameof(snatPortMin), $"masquerade port range {snatPortMin}-{snatPortMax} is empty");
        config.Update(0, new ConfigValue { NetnsCookie = netnsCookie, SnatPortMin = snatPortMin, SnatPortMax = snatPortMax });
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
