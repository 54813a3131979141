using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Text;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Engine;

/// <summary>
/// The engine every frontend feeds: which bridge networks the data path serves, which endpoints
/// (created here or adopted) sit on them and who owns each, and their published ports through the
/// PortPublisher. Kernel work is NetworkHost's; this class keeps the books and the order of steps.
/// </summary>
public sealed class DataplaneEngine(NetworkHost host, PortPublisher ports) : IEndpointEngine
{
    private readonly Dictionary<string, (BridgeNetwork Network, bool Adopted)> _networks = [];
    private readonly Dictionary<Owner, (Endpoint Endpoint, bool CreatedVeth)> _endpoints = [];
    private readonly Lock _gate = new();

    public PortPublisher Ports => ports;

    /// <summary>Docker's warning when IPv4 forwarding could not be enabled; null when it is on.</summary>
    public string? ForwardingWarning => host.ForwardingWarning;

    // ---- networks ----

    /// <summary>A network of Dataplane's own: its bridge is created (or found) and served. A new
    /// network whose subnet or gateway clashes with the host's addresses or routes is refused
    /// first. Returns true when the bridge was created here.</summary>
    public bool AddNetwork(string id, BridgeNetwork network, bool isNew = false)
    {
        lock (_gate)
        {
            if (isNew && host.HostClash(network.Subnet, network.PrefixLength, network.Gateway, _networks.Values.Select(n => n.Network.Bridge).ToHashSet()) is { } clash)
                throw DataplaneException.Invalid(clash);
            bool created = host.EnsureNetwork(network);
            _networks[id] = (network, false);
            return created;
        }
    }

    /// <summary>Stops serving one of our networks and deletes its bridge unless <paramref name="keepBridge"/>.</summary>
    public void RemoveNetwork(string id, bool keepBridge = false)
    {
        lock (_gate)
        {
            if (!_networks.Remove(id, out var n)) return;
            host.RemoveNetwork(n.Network, keepBridge || n.Adopted);
        }
    }

    public void AdoptNetwork(NetworkSpec spec)
    {
        var network = new BridgeNetwork(DataPathNetworkId(spec.Id), spec.Bridge, spec.Subnet, spec.PrefixLength, spec.Gateway, spec.Internal, spec.Icc, spec.Masquerade)
        {
            V6 = spec.V6 is { } v6 ? new BridgeNetworkV6(v6.Subnet, v6.PrefixLength, v6.Gateway) : null,
        };
        lock (_gate)
        {
            if (_networks.TryGetValue(spec.Id, out var known) && known.Network == network) return;
            host.AdoptNetwork(network);
            _networks[spec.Id] = (network, true);
        }
    }

    public void ForgetNetwork(string networkId)
    {
        lock (_gate)
        {
            if (_endpoints.Values.Any(e => e.Endpoint.NetworkId == networkId))
                throw DataplaneException.Conflict($"network {networkId} still has endpoints");
            RemoveNetwork(networkId, keepBridge: true);
        }
    }

    private BridgeNetwork NetworkOf(string id)
        => _networks.TryGetValue(id, out var n) ? n.Network : throw DataplaneException.NotFound($"network {id} not found");

    /// <summary>The data path's 32-bit network id: stable across restarts, from the network's id
    /// (hex ids as Docker's and ours; any other text hashed).</summary>
    public static uint DataPathNetworkId(string id)
    {
        if (id.Length >= 7 && uint.TryParse(id.AsSpan(0, 7), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
            return hex | 1u << 28;
        return BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(id))) & 0x0fffffff | 2u << 28;
    }

    // ---- endpoints ----

    /// <summary>A new veth pair from the network's bridge into <paramref name="sandbox"/>, its inner end
    /// (<paramref name="ifName"/>) holding <paramref name="address"/>, and the sandbox's default route through
    /// it when <paramref name="defaultRoute"/>.</summary>
    public Endpoint CreateEndpoint(Owner owner, string networkId, NetworkNamespace sandbox, IPAddress address, string hostVeth,
        IPAddress? address6 = null, string ifName = "eth0", bool defaultRoute = true)
    {
        lock (_gate)
        {
            EnsureFree(owner, address);
            var (index, mac) = host.Connect(sandbox, NetworkOf(networkId), address, hostVeth, address6, ifName, defaultRoute);
            var endpoint = new Endpoint(owner, networkId, hostVeth, index, mac, address, address6);
            _endpoints[owner] = (endpoint, true);
            return endpoint;
        }
    }

    public Endpoint AdoptEndpoint(EndpointSpec spec) => Attach(spec, createdVeth: false);

    /// <summary>An endpoint this engine created before a restart: attached again (so it binds today's
    /// maps, even from a new pin directory) and deleted with its owner as if created now.</summary>
    public Endpoint RestoreEndpoint(EndpointSpec spec) => Attach(spec, createdVeth: true);

    private Endpoint Attach(EndpointSpec spec, bool createdVeth)
    {
        lock (_gate)
        {
            if (_endpoints.TryGetValue(spec.Owner, out var known) && known.Endpoint.HostVeth == spec.HostVeth && known.Endpoint.IPv4.Equals(spec.IPv4))
                return known.Endpoint;
            EnsureFree(spec.Owner, spec.IPv4);
            int index = host.AttachEndpoint(NetworkOf(spec.NetworkId), spec.HostVeth, spec.IPv4, spec.Mac, spec.IPv6);
            var endpoint = new Endpoint(spec.Owner, spec.NetworkId, spec.HostVeth, index, spec.Mac, spec.IPv4, spec.IPv6);
            _endpoints[spec.Owner] = (endpoint, createdVeth);
            return endpoint;
        }
    }

    /// <summary>One endpoint per owner, one owner per address: frontends never share a container address.</summary>
    private void EnsureFree(Owner owner, IPAddress ip)
    {
        if (_endpoints.TryGetValue(owner, out var e))
            throw DataplaneException.Conflict($"{owner} already has an endpoint ({e.Endpoint.HostVeth}, {e.Endpoint.IPv4})");
        if (_endpoints.Values.FirstOrDefault(x => x.Endpoint.IPv4.Equals(ip)) is { Endpoint: { } other })
            throw DataplaneException.Conflict($"address {ip} is already in use by {other.Owner}");
    }

    public IReadOnlyList<PublishedPort> Publish(Owner owner, IReadOnlyList<PortBinding> bindings, bool reserveHostPorts = true)
    {
        Endpoint endpoint;
        lock (_gate)
            endpoint = _endpoints.TryGetValue(owner, out var e) ? e.Endpoint : throw DataplaneException.NotFound($"{owner} has no endpoint");
        return ports.Publish(owner, endpoint.IPv4, bindings, reserveHostPorts, endpoint.IPv6);
    }

    /// <summary>The sandbox's default routes (both families) through the gateways of the owner's network:
    /// when the interface that carried them is disconnected, the next one takes over, as in Docker.</summary>
    public void RouteDefault(Owner owner, NetworkNamespace sandbox)
    {
        lock (_gate)
        {
            if (_endpoints.TryGetValue(owner, out var e))
                host.RouteDefault(sandbox, NetworkOf(e.Endpoint.NetworkId), e.Endpoint.IPv6 is not null);
        }
    }

    public void Release(Owner owner)
    {
        ports.Unpublish(owner);
        lock (_gate)
        {
            if (!_endpoints.Remove(owner, out var e)) return;
            host.DetachEndpoint(e.Endpoint.HostVeth, e.Endpoint.IPv4, deleteVeth: e.CreatedVeth, e.Endpoint.IPv6);
        }
    }

    public IReadOnlyList<Endpoint> Endpoints(OwnerKind kind)
    {
        lock (_gate)
            return _endpoints.Values.Select(e => e.Endpoint).Where(e => e.Owner.Kind == kind).ToList();
    }

    public IReadOnlyList<PublishedPort> PublishedPorts(Owner owner) => ports.Of(owner);
}
