using System.Net;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>A published port bound to its endpoint's address, with the mapping id that tags its
/// flows and indexes its counters: what one dp_portmap entry holds. Unguarded: the runtime holds the host
/// port itself (reserveHostPorts false), so the bind guard leaves binds to it alone.</summary>
/// <remarks>A value, as <see cref="PublishedPort"/> is: 50,000 published ports are no 50,000 objects for
/// the collector to trace.</remarks>
public readonly record struct PortMapping(uint Id, PublishedPort Port, IPAddress ContainerAddress, bool Unguarded = false);

/// <summary>
/// Typed facade over the data path's maps: what the control plane writes (published ports,
/// endpoints, networks, host addresses, configuration) and reads (counters, conntrack), plus the
/// conntrack sweeper. Every key and value is a mirror of bpf/include/dp_abi.h.
/// </summary>
public sealed partial class DataPathMaps(
    IBpfMap<CtKey, CtValue> conntrack,
    PortTable<PortMapKey, PortMapValue> portmap,
    IBpfMap<EndpointKey, EndpointValue> endpoints,
    IBpfMap<NetworkKey, NetworkValue> networks,
    IBpfMap<HostAddrKey, HostAddrValue> hostAddresses,
    IBpfMap<IfAddrKey, IfAddrValue> masqueradeAddresses,
    IBpfMap<uint, ConfigValue> config,
    IBpfPerCpuArray<CounterValue> mappingStats,
    IBpfPerCpuArray<CounterValue> drops,
    uint mappingIdLimit = DataPathAbi.MappingIdMax) : IPortMap, IDataPathCounters
{
    /// <summary>Mapping ids run 1..MappingIdLimit-1 (the size of the per-mapping counters).</summary>
    public uint MappingIdLimit => mappingIdLimit;

    // ---- published ports ----

    public static PortMapKey KeyOf(PublishedPort p) => new()
    {
        AddrBe = p.OnEveryAddress ? 0 : NetOrder.AddrBe(p.HostIp),
        PortBe = NetOrder.PortBe((ushort)p.HostPort),
        Proto = ProtoByte(p.Proto),
    };

    // The only place a protocol becomes the byte the kernel compares.
    private static byte ProtoByte(Proto proto) => proto == Proto.Udp ? DataPathAbi.ProtoUdp : DataPathAbi.ProtoTcp;

    private static Proto? ProtoOf(byte proto) => proto switch
    {
        DataPathAbi.ProtoTcp => Proto.Tcp,
        DataPathAbi.ProtoUdp => Proto.Udp,
        _ => null,
    };

    /// <summary>Publishes a port; a host port already taken is an error (one host port, one container).</summary>
    public void AddPortMapping(PortMapping m) => Publish([m], nameof(m));

    /// <summary>
    /// Publishes many ports, all or nothing: every mapping is checked first (as <see cref="AddPortMapping"/>
    /// checks one, and no two may share a host address, port and protocol), then they are written: ports on
    /// every address into their dp_portmap_any slots, the others with one BPF_MAP_UPDATE_BATCH. A host port already published refuses the whole batch before anything is
    /// written (InteropException, EEXIST, naming the port); a write the kernel refuses part-way (e.g. a full
    /// map) removes what was written before it throws.
    /// </summary>
    /// <remarks>How the batch stays all or nothing: <see cref="PortMapBatch"/>.</remarks>
    public void AddPortMappings(IReadOnlyList<PortMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        Publish(mappings, nameof(mappings));
    }

    private readonly Lock _publishing = new();

    private void Publish(IReadOnlyList<PortMapping> mappings, string paramName)
    {
        int n = mappings.Count;
        if (n == 0) return;
        var snatRange = SnatRange();
        var keys = new PortMapKey[n];
        var values = new PortMapValue[n];
        for (int i = 0; i < n; i++)
        {
            Validate(mappings[i], snatRange, paramName);
            keys[i] = KeyOf(mappings[i].Port);
            values[i] = ValueOf(mappings[i]);
        }
        PortMapBatch.Publish(portmap, _publishing, DataPathAbi.MapPortmap, keys, values,
            twice: (first, second) => new ArgumentException(
                $"{Describe(mappings[second])} appears twice in the batch (mappings {mappings[first].Id} and {mappings[second].Id}); nothing was published", paramName),
            taken: i => Taken(mappings[i], keys[i]));
    }

    private void Validate(PortMapping m, (ushort Min, ushort Max) snatRange, string paramName)
    {
        if (m.Id == 0 || m.Id >= mappingIdLimit)
            throw new ArgumentOutOfRangeException(paramName, $"mapping id {m.Id} outside 1..{mappingIdLimit - 1}");
        var (snatMin, snatMax) = snatRange;
        if (m.Port.HostPort >= snatMin && m.Port.HostPort <= snatMax)
            throw new ArgumentOutOfRangeException(paramName,
                $"host port {m.Port.HostPort} lies in the masquerade port range {snatMin}-{snatMax}; replies of masqueraded flows would be taken for it");
    }

    private static PortMapValue ValueOf(PortMapping m) => new()
    {
        CtrAddrBe = NetOrder.AddrBe(m.ContainerAddress),
        CtrPortBe = NetOrder.PortBe((ushort)m.Port.Container.Port),
        MappingId = m.Id,
        Flags = (uint)(m.Unguarded ? PortMapFlags.Unguarded : PortMapFlags.None),
    };

    private InteropException Taken(PortMapping m, in PortMapKey key)
    {
        var owner = portmap.TryLookup(key, out var v) ? $" (mapping {v.MappingId})" : "";
        return new InteropException("publish port", DataPathAbi.MapPortmap, Errno.EEXIST, $"{Describe(m)} is already published{owner}; nothing was published");
    }

    private static string Describe(PortMapping m)
        => $"host port {m.Port.HostPort}/{m.Port.Proto.Name()} on {(m.Port.OnEveryAddress ? "every host address" : m.Port.HostIp.ToString())}";

    /// <summary>Unpublishes: new flows stop at once, then the flows the mapping owned are removed
    /// (no stale UDP flow keeps the old translation). Returns the number of conntrack entries removed.</summary>
    public int RemovePortMapping(PortMapping m) => RemovePortMappings([m]);

    /// <summary>Unpublishes many (a container's ports) with one walk of the conntrack table.</summary>
    public int RemovePortMappings(IReadOnlyList<PortMapping> mappings)
    {
        var ids = PortMapBatch.Unpublish(portmap, mappings.Select(m => (KeyOf(m.Port), m.Id)), v => v.MappingId);
        return ids.Count == 0 ? 0 : FlushMappings(ids);
    }

    /// <summary>Every published port as the kernel has it (what a restarted daemon adopts).</summary>
    /// <remarks>An entry of a protocol the control plane never writes (another writer's) is listed as TCP
    /// so that reconcile, which owns the map, removes it.</remarks>
    public IReadOnlyList<PortMapping> PortMappings() => portmap.Entries()
        .Select(e => new PortMapping(e.Value.MappingId,
            new PublishedPort(NetOrder.Addr(e.Key.AddrBe), NetOrder.Port(e.Key.PortBe),
                new ContainerPort(NetOrder.Port(e.Value.CtrPortBe), ProtoOf(e.Key.Proto) ?? Proto.Tcp)),
            NetOrder.Addr(e.Value.CtrAddrBe), ((PortMapFlags)e.Value.Flags).HasFlag(PortMapFlags.Unguarded)))
        .ToList();

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

    /// <summary>Packets dropped for one reason, summed over the CPUs (one map lookup).</summary>
    public ulong DropCount(DropReason reason) => Sum(drops.Lookup(DropReasons.Index(reason))).Packets;

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
}
