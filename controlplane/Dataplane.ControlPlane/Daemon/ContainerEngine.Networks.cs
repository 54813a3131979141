using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Validation;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// `network connect` and `network disconnect`: another interface (eth1, eth2, ...) in a container's
/// sandbox, or one taken away, as Docker does. A running container's interface is created or deleted at
/// once (isolation follows, the data path keys it by address); a stopped one's is recorded, its address
/// reserved, and created by `start`. Names resolve by the new scope at the next query.
/// </summary>
public sealed partial class ContainerEngine
{
    private const string HostNetworkConflict = "container cannot be disconnected from host network or connected to host network";
    private const string NoneNetworkConflict = "container cannot be connected to multiple networks with one of the networks in private (none) mode";
    private const string SharedNetworkConflict = "container sharing network namespace with another container or host cannot be connected to any other network";

    public Task ConnectAsync(string networkName, NetworkConnectRequest request, CancellationToken ct)
    {
        lock (_gate)
        {
            var (network, c) = Resolve(networkName, request.Container);
            var aliases = (request.Aliases ?? []).Distinct(StringComparer.Ordinal).ToList();
            if (aliases.Count > 0 && network.Name == NetworkRecord.DefaultName)
                throw DataplaneException.Invalid("network-scoped alias is supported only for containers in user defined networks");
            IPAddress? requested = null;
            if (!string.IsNullOrEmpty(request.IPv4Address))
            {
                requested = IPAddress.TryParse(request.IPv4Address, out var parsed) && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                    ? parsed : throw DataplaneException.Invalid($"invalid IPv4 address: {request.IPv4Address}");
                RunValidator.CheckRequestedAddress(network, requested, state.View);
            }
            if (c.EndpointOn(network.Name) is not null)
                throw DataplaneException.Conflict($"endpoint with name {c.Name} already exists in network {network.Name}");

            using var tx = new Rollback();
            var pool = networks.Pool(network);
            var ip = requested is null ? pool.Allocate() : pool.Reserve(requested);
            tx.Add("address", () => pool.Release(ip));
            IPAddress? ip6 = null;
            if (networks.Pool6(network) is { } pool6)
            {
                ip6 = pool6.Allocate();
                tx.Add("IPv6 address", () => pool6.Release(ip6));
            }
            var endpoint = new EndpointRecord(network.Name, ip.ToString(), Macs.Format(Macs.FromIPv4(ip)), aliases.Count > 0 ? aliases : null, ip6?.ToString(), NextInterface(c));
            if (_running.ContainsKey(c.Id))
            {
                using var sandbox = sandboxes.OpenNamespace(c.Name);
                CreateEndpoint(c, endpoint, sandbox, defaultRoute: c.Endpoints.Count == 0);
                tx.Add($"endpoint on {network.Name}", () => engine.Release(OwnerOf(c.Id, endpoint)));
            }
            var connected = c with { Endpoints = [.. c.Endpoints, endpoint] };
            StartResolvingIfFirstUserNetwork(connected, tx);
            UpdateHostsFile(c, tx, hosts => HostsFile.WithSelf(hosts, ip, c.Hostname));
            state.Put(connected);
            tx.Commit();
            return Task.CompletedTask;
        }
    }

    public Task DisconnectAsync(string networkName, NetworkDisconnectRequest request, CancellationToken ct)
    {
        lock (_gate)
        {
            var (network, c) = Resolve(networkName, request.Container);
            bool running = _running.ContainsKey(c.Id);
            var endpoint = c.EndpointOn(network.Name) ?? throw DataplaneException.Invalid(running
                ? $"container {c.Id} is not connected to network {network.Name}"
                : $"container {c.Id} is not connected to the network {network.Name}");
            bool primary = endpoint == c.Primary;
            var remaining = c.Endpoints.Where(e => e != endpoint).ToList();
            if (running)
            {
                engine.Release(OwnerOf(c.Id, endpoint)); // its ports too when it is the primary; the veth takes its routes along
                if (primary && remaining.Count > 0)
                    using (var sandbox = sandboxes.OpenNamespace(c.Name))
                        engine.RouteDefault(OwnerOf(c.Id, remaining[0]), sandbox);
            }
            if (endpoint.IpAddress is { } ip)
            {
                networks.Pool(network).Release(IPAddress.Parse(ip));
                UpdateHostsFile(c, null, hosts => HostsFile.Without(hosts, IPAddress.Parse(ip)));
            }
            if (endpoint.GlobalIPv6Address is { } ip6) networks.Pool6(network)?.Release(IPAddress.Parse(ip6));
            state.Put(c with { Endpoints = remaining, Ports = primary ? [] : c.Ports });
            return Task.CompletedTask;
        }
    }

    /// <summary>The network and container of a connect or disconnect, refused with Docker's words when the
    /// container's network mode cannot have interfaces added or taken (host, none, container:NAME).</summary>
    private (NetworkRecord Network, ContainerRecord Container) Resolve(string networkName, string container)
    {
        if (networkName == "host") throw DataplaneException.Conflict(HostNetworkConflict);
        if (networkName == "none") throw DataplaneException.Conflict(NoneNetworkConflict);
        var network = state.View.FindNetwork(networkName) ?? throw DataplaneException.NotFound($"network {networkName} not found");
        var c = Find(container);
        if (c.NetworkMode == "host") throw DataplaneException.Conflict(HostNetworkConflict);
        if (c.NetworkMode == "none") throw DataplaneException.Conflict(NoneNetworkConflict);
        if (!c.OwnsNamespace) throw DataplaneException.Conflict(SharedNetworkConflict);
        return (network, c);
    }

    /// <summary>eth0, eth1, ...: the first name none of the container's interfaces has.</summary>
    private static string NextInterface(ContainerRecord c)
    {
        var taken = c.Endpoints.Select(e => e.InterfaceName).ToHashSet();
        return Enumerable.Range(0, taken.Count + 1).Select(n => $"eth{n}").First(n => !taken.Contains(n));
    }

    /// <summary>A veth for one of the container's endpoints, its interface named as recorded.</summary>
    private void CreateEndpoint(ContainerRecord c, EndpointRecord e, NetworkNamespace sandbox, bool defaultRoute)
    {
        var network = state.View.FindNetwork(e.Network) ?? throw DataplaneException.NotFound($"network {e.Network} not found");
        engine.CreateEndpoint(OwnerOf(c.Id, e), network.Id, sandbox, IPAddress.Parse(e.IpAddress!), HostVeth(c.Id, e),
            e.GlobalIPv6Address is { } ip6 ? IPAddress.Parse(ip6) : null, e.InterfaceName, defaultRoute);
    }

    /// <summary>Every endpoint of the container released: ports unpublished and flows flushed, veths deleted.</summary>
    private void ReleaseEndpoints(ContainerRecord c)
    {
        foreach (var e in c.Endpoints) engine.Release(OwnerOf(c.Id, e));
    }

    /// <summary>Where the container's ports are published: its primary endpoint.</summary>
    private static Owner PortsOwnerOf(ContainerRecord c) => c.Primary is { } primary ? OwnerOf(c.Id, primary) : OwnerOf(c.Id);

    /// <summary>The sandbox's hosts file, changed in place (it is bind-mounted over the sandbox's /etc/hosts);
    /// with <paramref name="tx"/> the change is undone on rollback.</summary>
    private void UpdateHostsFile(ContainerRecord c, Rollback? tx, Func<string, string> change)
    {
        var path = Path.Combine(sandboxes.Directory(c.Id), "hosts");
        if (!File.Exists(path)) return;
        var before = File.ReadAllText(path);
        File.WriteAllText(path, change(before));
        tx?.Add("hosts", () => File.WriteAllText(path, before));
    }

    /// <summary>A container that joins its first user-defined network gets the embedded resolver, and its
    /// resolv.conf is rewritten to use it, as Docker does when such an endpoint joins the sandbox.</summary>
    private void StartResolvingIfFirstUserNetwork(ContainerRecord c, Rollback tx)
    {
        if (dns is not { } resolver || !NameScope.Serves(c) || resolver.Attached.Contains(c.Id)) return;
        using (var sandbox = sandboxes.OpenNamespace(c.Name))
            AttachDns(c.Id, sandbox, c.Dns);
        tx.Add("embedded DNS", () => resolver.Detach(c.Id));
        // Rewritten in place: the file is bind-mounted over the sandbox's /etc/resolv.conf.
        var path = Path.Combine(sandboxes.Directory(c.Id), "resolv.conf");
        var before = Sandboxes.ReadHostFile(path);
        File.WriteAllText(path, InternalResolvConf.Build(Sandboxes.ReadHostFile("/etc/resolv.conf"), c.Dns.Select(IPAddress.Parse).ToList()));
        tx.Add("resolv.conf", () => File.WriteAllText(path, before));
    }
}
