using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// Typed facade over the IPv6 maps (dp_ct6, dp_portmap6, dp_endpoints6, dp_networks6, dp_hostaddr6):
/// <see cref="DataPathMaps"/>'s operations for IPv6 addresses. Mapping ids share one space (and one
/// dp_mapstats) with IPv4's: the counters of a port published on both families add up in one slot
/// when both mappings carry the same id.
/// </summary>
public sealed unsafe class DataPathMaps6(
    IBpfMap<Ct6Key, Ct6Value> conntrack,
    PortTable<PortMap6Key, PortMap6Value> portmap,
    IBpfMap<Endpoint6Key, EndpointValue> endpoints,
    IBpfMap<Network6Key, Network6Value> networks,
    IBpfMap<HostAddr6Key, HostAddrValue> hostAddresses,
    IBpfMap<IfAddrKey, IfAddr6Value> masqueradeAddresses)
{
    private readonly Lock _publishing = new();

    // ---- published ports ----

    public static PortMap6Key KeyOf(PublishedPort p)
    {
        if (p.Family != AddressFamily.InterNetworkV6) throw new ArgumentException($"{p.HostEndpoint} is not an IPv6 host address");
        var k = new PortMap6Key { PortBe = NetOrder.PortBe((ushort)p.HostPort), Proto = p.Proto == Proto.Udp ? DataPathAbi.ProtoUdp : DataPathAbi.ProtoTcp };
        if (!p.OnEveryAddress) NetOrder.Addr6Be(p.HostIp, k.AddrBe);
        return k;
    }

    /// <summary>Publishes an IPv6 port ([::] = every local IPv6 address) to an IPv6 container address; a
    /// host port already published on IPv6 is an error (EEXIST), nothing written.</summary>
    public void AddPortMapping(PortMapping m) => AddPortMappings([m]);

    /// <summary>Publishes many IPv6 ports, all or nothing, with one batch write (<see cref="PortMapBatch"/>).</summary>
    public void AddPortMappings(IReadOnlyList<PortMapping> mappings)
    {
        int n = mappings.Count;
        var keys = new PortMap6Key[n];
        var values = new PortMap6Value[n];
        for (int i = 0; i < n; i++)
        {
            var m = mappings[i];
            if (m.Id == 0 || m.Id >= DataPathAbi.MappingIdMax)
                throw new ArgumentOutOfRangeException(nameof(mappings), $"mapping id {m.Id} outside 1..{DataPathAbi.MappingIdMax - 1}");
            keys[i] = KeyOf(m.Port);
            var v = new PortMap6Value
            {
                CtrPortBe = NetOrder.PortBe((ushort)m.Port.Container.Port), MappingId = m.Id,
                Flags = (uint)(m.Unguarded ? PortMapFlags.Unguarded : PortMapFlags.None),
            };
            NetOrder.Addr6Be(m.ContainerAddress, v.CtrAddrBe);
            values[i] = v;
        }
        PortMapBatch.Publish(portmap, _publishing, DataPathAbi.MapPortmap6, keys, values,
            twice: (_, second) => new ArgumentException(
                $"{mappings[second].Port.Proto.Name()} {mappings[second].Port.HostEndpoint} appears twice in the batch; nothing was published", nameof(mappings)),
            taken: i => new InteropException("publish port", mappings[i].Port.HostEndpoint, Errno.EEXIST,
                $"{mappings[i].Port.Proto.Name()} {mappings[i].Port.HostEndpoint} is already published"));
    }

    /// <summary>Unpublishes and flushes the mapping's IPv6 flows; returns the conntrack entries removed.</summary>
    public int RemovePortMapping(PortMapping m) => RemovePortMappings([m]);

    /// <summary>Unpublishes many (a container's ports), then flushes their IPv6 flows with one walk of the table.</summary>
    public int RemovePortMappings(IReadOnlyList<PortMapping> mappings)
    {
        var ids = PortMapBatch.Unpublish(portmap, mappings.Select(m => (KeyOf(m.Port), m.Id)), v => v.MappingId);
        return ids.Count == 0 ? 0 : FlushMappings(ids);
    }

    public IReadOnlyList<PortMapping> PortMappings() => portmap.Entries().Select(e =>
    {
        var k = e.Key;
        var v = e.Value;
        var host = NetOrder.Addr6(k.AddrBe);
        return new PortMapping(v.MappingId,
            new PublishedPort(host, NetOrder.Port(k.PortBe), new ContainerPort(NetOrder.Port(v.CtrPortBe), k.Proto == DataPathAbi.ProtoUdp ? Proto.Udp : Proto.Tcp)),
            NetOrder.Addr6(v.CtrAddrBe), ((PortMapFlags)v.Flags).HasFlag(PortMapFlags.Unguarded));
    }).ToList();

    // ---- endpoints, networks, host addresses ----

    public void SetEndpoint(IPAddress address, uint hostVethIfindex, uint networkId, ReadOnlySpan<byte> mac, ReadOnlySpan<byte> gatewayMac)
    {
        if (mac.Length != 6 || gatewayMac.Length != 6) throw new ArgumentException("MAC addresses are 6 bytes");
        var ep = new EndpointValue { Ifindex = hostVethIfindex, NetworkId = networkId };
        mac.CopyTo(new Span<byte>(ep.Mac, 6));
        gatewayMac.CopyTo(new Span<byte>(ep.GwMac, 6));
        endpoints.Update(EndpointKey(address), ep);
    }

    public bool RemoveEndpoint(IPAddress address) => endpoints.Delete(EndpointKey(address));

    public void SetNetwork(IPAddress subnet, int prefixLength, uint networkId, IPAddress gateway, NetworkFlags flags)
    {
        var v = new Network6Value { NetworkId = networkId, Flags = (uint)flags };
        NetOrder.Addr6Be(gateway, v.GatewayBe);
        networks.Update(NetworkKey(subnet, prefixLength), v);
    }

    public bool RemoveNetwork(IPAddress subnet, int prefixLength) => networks.Delete(NetworkKey(subnet, prefixLength));

    public void AddHostAddress(IPAddress address, uint ifindex) => hostAddresses.Update(HostKey(address), new HostAddrValue { Ifindex = ifindex });

    public bool RemoveHostAddress(IPAddress address) => hostAddresses.Delete(HostKey(address));

    /// <summary>The NAT66 source for flows leaving by <paramref name="ifindex"/> (0: every other device), as
    /// <see cref="DataPathMaps.SetMasqueradeAddress"/> for IPv4.</summary>
    public void SetMasqueradeAddress(uint ifindex, IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException($"{address} is not an IPv6 address", nameof(address));
        var v = new IfAddr6Value();
        NetOrder.Addr6Be(address, v.AddrBe);
        masqueradeAddresses.Update(new IfAddrKey { Ifindex = ifindex }, v);
    }

    private static Endpoint6Key EndpointKey(IPAddress address)
    {
        var k = new Endpoint6Key();
        NetOrder.Addr6Be(address, k.AddrBe);
        return k;
    }

    private static Network6Key NetworkKey(IPAddress subnet, int prefixLength)
    {
        if (prefixLength is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        var k = new Network6Key { PrefixLen = (uint)prefixLength };
        NetOrder.Addr6Be(subnet, k.AddrBe);
        return k;
    }

    private static HostAddr6Key HostKey(IPAddress address)
    {
        var k = new HostAddr6Key();
        NetOrder.Addr6Be(address, k.AddrBe);
        return k;
    }

    // ---- conntrack ----

    public IReadOnlyList<(Ct6Key Key, Ct6Value Value)> ConntrackEntries() => conntrack.Entries().Select(e => (e.Key, e.Value)).ToList();

    /// <summary>The IPv6 table's entries by protocol and state, and its masqueraded (NAT66) flows, in one walk.</summary>
    public ConntrackCensus ConntrackCounts()
    {
        var census = new ConntrackCensus();
        foreach (var (k, v) in conntrack.Entries()) census.Add(k.Proto, v.State, v.Flags);
        return census;
    }

    /// <summary>The other direction's key: the reverse of this entry's translated tuple.</summary>
    public static Ct6Key PeerKey(in Ct6Key key, in Ct6Value value)
    {
        var k = new Ct6Key { SPortBe = value.NatDPortBe, DPortBe = value.NatSPortBe, Proto = key.Proto };
        for (int i = 0; i < 4; i++)
        {
            k.SAddrBe[i] = value.NatDAddrBe[i];
            k.DAddrBe[i] = value.NatSAddrBe[i];
        }
        return k;
    }

    /// <summary>Removes flows whose both entries expired (re-read before deleting, as
    /// <see cref="DataPathMaps.SweepConntrack(ulong)"/>); returns the entries removed.</summary>
    public int SweepConntrack(ulong nowNs) => Sweep(nowNs, capacity: 0).Removed;

    /// <summary>One sweep, as <see cref="DataPathMaps.Sweep"/>: expired flows, then under pressure flows
    /// that are not assured; the entries removed, and how many were walked (the table's fill then).</summary>
    public (int Removed, int Walked) Sweep(ulong nowNs, int capacity)
    {
        int removed = 0;
        var entries = conntrack.Entries();
        var droppable = new List<KeyValuePair<Ct6Key, Ct6Value>>();
        bool pressure = ConntrackPressure.FlowsToEvict(entries.Count, capacity) > 0; // else no candidate is needed
        foreach (var (key, snapshot) in entries)
        {
            if (!ConntrackEntry.IsExpired(snapshot.ExpiresNs, nowNs))
            {
                if (pressure && ((CtFlags)snapshot.Flags & CtFlags.Reply) == 0 && CanEarlyDrop(key, snapshot, nowNs)) droppable.Add(new(key, snapshot));
                continue;
            }
            if (!conntrack.TryLookup(key, out var v) || !ConntrackEntry.IsExpired(v.ExpiresNs, nowNs)) continue;
            var peer = PeerKey(key, v);
            if (conntrack.TryLookup(peer, out var pv) && !ConntrackEntry.IsExpired(pv.ExpiresNs, nowNs)) continue;
            removed += RemoveFlow(key, v);
        }
        int evict = ConntrackPressure.FlowsToEvict(entries.Count - removed, capacity);
        foreach (var (key, _) in ConntrackPressure.Victims(droppable, e => e.Value.LastSeenNs, evict))
        {
            if (conntrack.TryLookup(key, out var v) && CanEarlyDrop(key, v, nowNs)) removed += RemoveFlow(key, v); // still not assured
        }
        return (removed, entries.Count);
    }

    private int RemoveFlow(in Ct6Key key, in Ct6Value value)
    {
        int removed = conntrack.Delete(key) ? 1 : 0;
        if (conntrack.Delete(PeerKey(key, value))) removed++;
        return removed;
    }

    private static bool CanEarlyDrop(in Ct6Key key, in Ct6Value v, ulong nowNs)
        => ConntrackPressure.CanEarlyDrop(key.Proto, (CtState)v.State, v.CreatedMs, v.ExpiresNs, nowNs);

    public int SweepConntrack() => SweepConntrack(ConntrackEntry.MonotonicNowNs());

    /// <summary>Every IPv6 flow (pairs of entries), as `conntrack ls` shows them.</summary>
    public IReadOnlyList<ConntrackFlow> ConntrackFlows() => [.. Paired().Select(p => p.Flow)];

    /// <summary>Removes the IPv6 flows <paramref name="match"/> selects, both directions with one batch delete.
    /// Returns the number of flows removed.</summary>
    public int FlushFlows(Func<ConntrackFlow, bool> match)
    {
        var keys = DataPath.ConntrackFlows.KeysOf(Paired(), match);
        if (keys.Length > 0) conntrack.DeleteBatch(keys);
        return keys.Length / 2;
    }

    private List<(ConntrackFlow Flow, Ct6Key Key, Ct6Key PeerKey)> Paired() => DataPath.ConntrackFlows.Pair(conntrack.Entries().Select(e =>
    {
        var peer = PeerKey(e.Key, e.Value);
        return (e.Key, peer, new ConntrackEntryView(e.Key.Proto, Tuple(e.Key), Tuple(peer), (CtState)e.Value.State, (CtFlags)e.Value.Flags,
            e.Value.MappingId, e.Value.ExpiresNs, new CounterValue { Packets = e.Value.Packets, Bytes = e.Value.Bytes }));
    }).ToList());

    private static FlowTuple Tuple(Ct6Key k) => new(NetOrder.Addr6(k.SAddrBe), NetOrder.Port(k.SPortBe), NetOrder.Addr6(k.DAddrBe), NetOrder.Port(k.DPortBe));

    /// <summary>Both directions of every IPv6 flow the mappings own, each once, then one batch delete.</summary>
    private int FlushMappings(IReadOnlySet<uint> mappingIds)
    {
        var keys = DataPath.ConntrackFlows.OwnedBy(conntrack.Entries(), mappingIds, v => v.MappingId, (k, v) => PeerKey(k, v));
        return keys.Length == 0 ? 0 : conntrack.DeleteBatch(keys);
    }
}
