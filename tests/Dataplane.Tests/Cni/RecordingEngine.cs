using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Netlink;

namespace Dataplane.Tests.Cni;

/// <summary>
/// An <see cref="IEndpointEngine"/> that records what the CNI frontend asks of it, for tests of the
/// frontend's translation (which network, which veth, which ports, which releases). It checks the
/// adopted veth and bridge against the kernel as the engine would, and refuses a host port another
/// owner holds, naming the owner. The data path itself is tested end to end with the real daemon.
/// </summary>
public sealed class RecordingEngine(Func<RtNetlink> links) : IEndpointEngine
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NetworkSpec> _networks = [];
    private readonly Dictionary<Owner, Endpoint> _endpoints = [];
    private readonly Dictionary<Owner, List<PublishedPort>> _ports = [];

    public List<string> Calls { get; } = [];

    public IReadOnlyDictionary<string, NetworkSpec> Networks { get { lock (_lock) return new Dictionary<string, NetworkSpec>(_networks); } }

    public void AdoptNetwork(NetworkSpec network)
    {
        using var nl = links();
        if (nl.TryGetLink(network.Bridge) is not { Kind: "bridge" })
            throw DataplaneException.Invalid($"bridge {network.Bridge} does not exist");
        lock (_lock) { Calls.Add($"AdoptNetwork {network.Id}"); _networks[network.Id] = network; }
    }

    public void ForgetNetwork(string networkId)
    {
        lock (_lock)
        {
            if (_endpoints.Values.Any(e => e.NetworkId == networkId))
                throw DataplaneException.Conflict($"network {networkId} has endpoints");
            Calls.Add($"ForgetNetwork {networkId}");
            _networks.Remove(networkId);
        }
    }

    public Endpoint AdoptEndpoint(EndpointSpec spec)
    {
        using var nl = links();
        var veth = nl.TryGetLink(spec.HostVeth) ?? throw DataplaneException.Invalid($"no veth {spec.HostVeth}");
        lock (_lock)
        {
            if (!_networks.ContainsKey(spec.NetworkId)) throw DataplaneException.NotFound($"network {spec.NetworkId} not adopted");
            Calls.Add($"AdoptEndpoint {spec.Owner} {spec.HostVeth}");
            var e = new Endpoint(spec.Owner, spec.NetworkId, spec.HostVeth, veth.Index, spec.Mac, spec.IPv4, spec.IPv6);
            _endpoints[spec.Owner] = e;
            return e;
        }
    }

    public IReadOnlyList<PublishedPort> Publish(Owner owner, IReadOnlyList<PortBinding> bindings, bool reserveHostPorts = true)
    {
        lock (_lock)
        {
            if (!_endpoints.ContainsKey(owner)) throw DataplaneException.NotFound($"no endpoint for {owner}");
            foreach (var b in bindings)
                foreach (var (other, ports) in _ports)
                    if (other != owner && ports.Where(p => p.HostPort == b.HostPorts!.Value.Start && p.Container.Proto == b.Container.Proto).Cast<PublishedPort?>().FirstOrDefault() is { } taken)
                        throw DataplaneException.Conflict($"host port {taken.HostPort}/{taken.Container.Proto.Name()} is already published by {other}");
            Calls.Add($"Publish {owner} reserve={reserveHostPorts} {string.Join(",", bindings.Select(b => $"{b.HostIp}:{b.HostPorts}->{b.Container}"))}");
            var published = bindings.Select(b => new PublishedPort(b.EffectiveHostIp, b.HostPorts!.Value.Start, b.Container)).ToList();
            _ports[owner] = published;
            return published;
        }
    }

    public void Release(Owner owner)
    {
        lock (_lock)
        {
            Calls.Add($"Release {owner}");
            _endpoints.Remove(owner);
            _ports.Remove(owner);
        }
    }

    public IReadOnlyList<Endpoint> Endpoints(OwnerKind kind)
    {
        lock (_lock) return _endpoints.Values.Where(e => e.Owner.Kind == kind).ToList();
    }

    public IReadOnlyList<PublishedPort> PublishedPorts(Owner owner)
    {
        lock (_lock) return _ports.TryGetValue(owner, out var p) ? p : [];
    }
}
