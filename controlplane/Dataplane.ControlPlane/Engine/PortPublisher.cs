using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.Engine;

/// <summary>
/// The one owner of published ports: host-port allocation and reservation, mapping ids, the map
/// update, its undo, and port reconcile after a restart. Every frontend publishes through it, so
/// ports are checked across all of them. Each publish is all-or-nothing.
/// </summary>
public sealed class PortPublisher(IPortMap map, HostPortAllocator hostPorts)
{
    private readonly MappingIdPool _ids = new(map.MappingIdLimit);
    private readonly Dictionary<Owner, Publication> _byOwner = [];
    private readonly Lock _gate = new();

    /// <summary>What one owner has published: its endpoint's addresses and each port with its mapping id.</summary>
    private sealed record Publication(IPAddress Endpoint, List<PortMapping> Mappings)
    {
        public IPAddress? Endpoint6 { get; set; }

        public IPAddress For(PublishedPort p) => p.Family == AddressFamily.InterNetworkV6
            ? Endpoint6 ?? throw DataplaneException.Invalid($"cannot publish on {p.HostEndpoint}: the container has no IPv6 address")
            : Endpoint;
    }

    /// <summary>
    /// Allocates the bindings' host ports (reserving them on the host unless <paramref name="reserveHostPorts"/>
    /// is off), gives each a mapping id and writes them in one batch. A failure anywhere releases what
    /// this call took and leaves the owner's earlier ports as they were.
    /// </summary>
    /// <remarks>With <paramref name="endpoint6"/> (a dual-stack container) a binding without a host address is
    /// published on 0.0.0.0 and on [::] with the same host port, as Docker 28 does; without it, only on IPv4.</remarks>
    public IReadOnlyList<PublishedPort> Publish(Owner owner, IPAddress endpoint, IReadOnlyList<PortBinding> bindings, bool reserveHostPorts = true,
        IPAddress? endpoint6 = null)
    {
        if (bindings.Count == 0) return [];
        lock (_gate)
        {
            if (_byOwner.TryGetValue(owner, out var existing) && !existing.Endpoint.Equals(endpoint))
                throw DataplaneException.Conflict($"{owner} already publishes ports to {existing.Endpoint}");
            using var tx = new Rollback();
            if (endpoint6 is null && bindings.Select(b => b.HostIp).FirstOrDefault(ip => ip is { AddressFamily: AddressFamily.InterNetworkV6 }) is { } v6)
                throw DataplaneException.Invalid($"cannot publish on [{v6}]: the container has no IPv6 address (its network is IPv4 only)");
            IReadOnlyList<PublishedPort> ports = hostPorts.AllocateAll(bindings, reserveHostPorts);
            tx.Add("host ports", () => hostPorts.ReleaseAll(ports));
            if (endpoint6 is not null)
            {
                var unbound = ports.Where((p, i) => bindings[i].HostIp is null).ToList();
                var twins = hostPorts.AllocateAll(unbound.Select(p => new PortBinding(IPAddress.IPv6Any, new PortRange(p.HostPort, p.HostPort), p.Container)), reserveHostPorts);
                tx.Add("IPv6 host ports", () => hostPorts.ReleaseAll(twins));
                ports = [.. ports, .. twins];
            }
            var mappings = new List<PortMapping>(ports.Count);
            var target = new Publication(endpoint, mappings) { Endpoint6 = endpoint6 }; // the owner's record when it is new
            tx.Add("mapping ids", () => { foreach (var m in mappings) _ids.Release(m.Id); });
            foreach (var p in ports) mappings.Add(new PortMapping(_ids.Take(), p, target.For(p), Unguarded: !reserveHostPorts));
            map.AddPortMappings(mappings);
            if (existing is null)
                _byOwner[owner] = target; // its list is this call's: no copy of a large range
            else
            {
                existing.Endpoint6 ??= endpoint6;
                existing.Mappings.AddRange(mappings);
            }
            tx.Commit();
            return ports;
        }
    }

    /// <summary>Unpublishes everything the owner published: new flows stop, its flows are flushed, its host
    /// ports and ids are free again. Returns the conntrack entries removed; an unknown owner is a no-op.</summary>
    public int Unpublish(Owner owner)
    {
        lock (_gate)
        {
            if (!_byOwner.Remove(owner, out var publication)) return 0;
            int flushed = map.RemovePortMappings(publication.Mappings);
            foreach (var m in publication.Mappings)
                _ids.Release(m.Id);
            hostPorts.ReleaseAll(publication.Mappings.Select(m => m.Port));
            return flushed;
        }
    }

    /// <summary>The owner's ports with what each has carried (its mapping's counters).</summary>
    public IReadOnlyList<(PublishedPort Port, CounterValue Counters)> Counters(Owner owner)
    {
        lock (_gate)
            return _byOwner.TryGetValue(owner, out var p) ? p.Mappings.Select(m => (m.Port, map.MappingCounters(m.Id))).ToList() : [];
    }

    public IReadOnlyList<PublishedPort> Of(Owner owner)
    {
        lock (_gate)
            return _byOwner.TryGetValue(owner, out var p) ? p.Mappings.Select(m => m.Port).ToList() : [];
    }

    /// <summary>What an owner had published before a restart, to claim in <see cref="Reconcile"/>.</summary>
    public sealed record Claim(Owner Owner, IPAddress Endpoint, IReadOnlyList<PublishedPort> Ports, bool ReserveHostPorts = true)
    {
        /// <summary>The endpoint's IPv6 address, where its [::] and other IPv6 ports lead.</summary>
        public IPAddress? Endpoint6 { get; init; }
    }

    /// <summary>
    /// On start, once for every frontend's claims together: a claimed port the kernel still holds for the
    /// same endpoint keeps its mapping id (its flows and counters stay its own); a claimed port the
    /// kernel lacks, or has pointing elsewhere, is published again; a port nobody claims is removed
    /// with its flows. The ports stay reserved by their mappings (the bind guard reads them; a claim whose
    /// runtime holds its ports itself is published unguarded); one someone took while we were down stays
    /// published (BPF translates before any socket sees it).
    /// </summary>
    public void Reconcile(IReadOnlyList<Claim> claims)
    {
        lock (_gate)
        {
            // Keyed as the kernel keys them: host address, port and protocol.
            var kernel = map.PortMappings().ToDictionary(m => KeyOf(m.Port));
            var missing = new List<(Publication Owner, PublishedPort Port, bool Unguarded)>();
            foreach (var claim in claims)
            {
                var publication = Record(claim.Owner, claim.Endpoint);
                publication.Endpoint6 ??= claim.Endpoint6;
                hostPorts.Adopt(claim.Ports);
                foreach (var port in claim.Ports)
                {
                    var key = KeyOf(port);
                    if (kernel.TryGetValue(key, out var there) && there.Port == port && there.ContainerAddress.Equals(publication.For(port))
                        && there.Unguarded == !claim.ReserveHostPorts)
                    {
                        kernel.Remove(key);
                        _ids.Adopt(there.Id);
                        publication.Mappings.Add(there);
                    }
                    else
                    {
                        missing.Add((publication, port, !claim.ReserveHostPorts)); // a kernel entry pointing elsewhere stays in `kernel`: removed first
                    }
                }
            }
            map.RemovePortMappings([.. kernel.Values]);
            var republished = missing.Select(m => (m.Owner, Mapping: new PortMapping(_ids.Take(), m.Port, m.Owner.For(m.Port), m.Unguarded))).ToList();
            map.AddPortMappings([.. republished.Select(r => r.Mapping)]);
            foreach (var (owner, mapping) in republished) owner.Mappings.Add(mapping);
        }
    }

    /// <summary>A port as the kernel keys it (host address, port, protocol), per family: 0.0.0.0:80 and [::]:80 are two.</summary>
    private static (AddressFamily, IPAddress, int, Proto) KeyOf(PublishedPort p) => (p.Family, p.HostIp, p.HostPort, p.Proto);

    private Publication Record(Owner owner, IPAddress endpoint)
    {
        if (!_byOwner.TryGetValue(owner, out var publication))
            _byOwner[owner] = publication = new Publication(endpoint, []);
        return publication;
    }
}
