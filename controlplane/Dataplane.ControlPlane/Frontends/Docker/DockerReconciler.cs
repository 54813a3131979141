using Endpoint = Dataplane.ControlPlane.Engine.Endpoint;
using EndpointSpec = Dataplane.ControlPlane.Engine.EndpointSpec;
using PortBinding = Dataplane.ControlPlane.Ports.PortBinding;
using System.Net.NetworkInformation;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Ports;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>
/// Makes the engine hold exactly what Docker has: its bridge networks, the endpoints of its running
/// containers (host veths adopted, never created) and their published ports. Every call is
/// idempotent; a failure on one container is logged and leaves the others alone.
/// </summary>
public sealed class DockerReconciler(IEndpointEngine engine, SandboxVeths veths, ILogger log)
{
    private readonly Dictionary<string, DockerNetwork> _networks = [];
    private List<PortPublisher.Claim>? _claims;

    public IReadOnlyDictionary<string, DockerNetwork> Networks => _networks;

    /// <summary>Adopts every followed network in <paramref name="networks"/> and forgets adopted ones Docker no longer has.</summary>
    public void SyncNetworks(IEnumerable<NetworkResponse> networks)
    {
        var present = new HashSet<string>();
        foreach (var network in networks)
        {
            present.Add(network.ID);
            AdoptNetwork(network);
        }
        foreach (var gone in _networks.Keys.Where(id => !present.Contains(id)).ToList()) ForgetNetwork(gone);
    }

    public void AdoptNetwork(NetworkResponse network)
    {
        if (_networks.ContainsKey(network.ID)) return; // Docker networks never change after creation
        var translated = DockerNetworks.Translate(network, out var skipped);
        if (translated is null)
        {
            if (network.Driver == "bridge") log.LogWarning("Docker {Skipped}", skipped);
            return;
        }
        try
        {
            engine.AdoptNetwork(translated.Spec);
            _networks[network.ID] = translated;
            log.LogInformation("Docker network {Name} ({Bridge}, {Subnet}/{Prefix}) adopted", network.Name, translated.Spec.Bridge, translated.Spec.Subnet, translated.Spec.PrefixLength);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError("Docker network {Name} not followed: {Error}", network.Name, e.Message);
        }
    }

    public void ForgetNetwork(string networkId)
    {
        if (!_networks.Remove(networkId, out var network)) return;
        foreach (var endpoint in engine.Endpoints(OwnerKind.Docker).Where(e => e.NetworkId == networkId)) engine.Release(endpoint.Owner);
        Try(() => engine.ForgetNetwork(networkId), $"forget Docker network {network.Spec.Name}");
    }

    /// <summary>
    /// While the daemon starts: endpoints are adopted but ports are collected as claims, for the one
    /// port reconcile of every frontend (a port the kernel still holds keeps its flows).
    /// </summary>
    public IReadOnlyList<PortPublisher.Claim> CollectClaims(Action adopt)
    {
        _claims = [];
        try
        {
            adopt();
            return _claims;
        }
        finally
        {
            _claims = null;
        }
    }

    /// <summary>Brings one container to what inspect says: adopted when running, released otherwise.</summary>
    public void ApplyContainer(ContainerInspectResponse inspected)
    {
        var warnings = new List<string>();
        DockerContainer? container;
        try
        {
            container = DockerContainers.Translate(inspected, _networks, warnings);
        }
        catch (Exception e) when (e is DataplaneException or FormatException)
        {
            log.LogError("Docker container {Id}: {Error}; not followed", DockerContainers.Short(inspected.ID), e.Message);
            ReleaseContainer(inspected.ID);
            return;
        }
        foreach (var w in warnings) log.LogWarning("Docker container {Name}: {Warning}", inspected.Name?.TrimStart('/'), w);
        if (container is null)
        {
            ReleaseContainer(inspected.ID);
            return;
        }
        try
        {
            Adopt(container);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ReleaseContainer(container.Id); // all or nothing: a half-adopted container would route some ports and not others
            if (!Directory.Exists($"/proc/{container.Pid}"))
                log.LogInformation("Docker container {Name} exited before it was adopted", container.Name);
            else
                log.LogError("Docker container {Name} not followed: {Error}", container.Name, e.Message);
        }
    }

    /// <summary>Releases every endpoint (and so every published port and flow) of a container.</summary>
    public void ReleaseContainer(string containerId)
    {
        foreach (var owner in OwnersOf(containerId)) engine.Release(owner);
    }

    /// <summary>Releases the one endpoint a container had on a network (docker network disconnect).</summary>
    public void ReleaseEndpoint(string containerId, string networkId) => engine.Release(DockerContainers.OwnerOf(containerId, networkId));

    /// <summary>Releases every Docker owner whose container is not in <paramref name="running"/>.</summary>
    public void ReleaseAllExcept(IReadOnlySet<string> running)
    {
        foreach (var e in engine.Endpoints(OwnerKind.Docker).Where(e => !running.Contains(DockerContainers.ContainerIdOf(e.Owner))).ToList())
        {
            log.LogInformation("Docker container {Id} is gone: released", DockerContainers.Short(DockerContainers.ContainerIdOf(e.Owner)));
            engine.Release(e.Owner);
        }
    }

    private void Adopt(DockerContainer container)
    {
        var hostVeths = veths.Resolve(container.SandboxKey, container.Pid, container.Endpoints.Select(e => e.Mac).ToList());
        var held = engine.Endpoints(OwnerKind.Docker).Where(e => DockerContainers.ContainerIdOf(e.Owner) == container.Id).ToDictionary(e => e.Owner);
        foreach (var stale in held.Keys.Where(o => container.Endpoints.All(e => e.Owner != o))) engine.Release(stale);
        foreach (var endpoint in container.Endpoints)
        {
            var spec = new EndpointSpec(endpoint.Owner, endpoint.NetworkId, hostVeths[endpoint.Mac], endpoint.Mac, endpoint.IPv4, endpoint.IPv6);
            bool isPortsOwner = endpoint.Owner == container.PortsOwner;
            if (held.TryGetValue(endpoint.Owner, out var current) && Same(current, spec)
                && (!isPortsOwner || SamePorts(engine.PublishedPorts(endpoint.Owner), container.Ports)))
                continue;
            if (current is not null) engine.Release(endpoint.Owner);
            engine.AdoptEndpoint(spec);
            if (isPortsOwner && container.Ports.Count > 0 && _claims is not null)
            {
                _claims.Add(new PortPublisher.Claim(endpoint.Owner, spec.IPv4, Published(container.Ports), ReserveHostPorts: false));
            }
            else if (isPortsOwner && container.Ports.Count > 0)
            {
                try
                {
                    engine.Publish(endpoint.Owner, container.Ports, reserveHostPorts: false); // dockerd holds the host ports itself
                }
                catch
                {
                    engine.Release(endpoint.Owner); // all or nothing: no endpoint without the ports Docker says it has
                    throw;
                }
            }
            log.LogInformation("Docker container {Name} on {Network}: {Veth} {Address}{Ports}", container.Name, _networks[endpoint.NetworkId].Spec.Name,
                spec.HostVeth, spec.IPv4, isPortsOwner && container.Ports.Count > 0 ? ", ports " + PortFormatting.PsColumn(Published(container.Ports), []) : "");
        }
    }

    private IEnumerable<Owner> OwnersOf(string containerId)
        => engine.Endpoints(OwnerKind.Docker).Select(e => e.Owner).Where(o => DockerContainers.ContainerIdOf(o) == containerId).ToList();

    private static bool Same(Endpoint current, EndpointSpec spec)
        => current.HostVeth == spec.HostVeth && current.Mac.Equals(spec.Mac) && current.IPv4.Equals(spec.IPv4) && Equals(current.IPv6, spec.IPv6);

    public static bool SamePorts(IReadOnlyList<PublishedPort> published, IReadOnlyList<PortBinding> wanted)
        => published.Select(p => (p.HostIp, p.HostPort, p.Container)).ToHashSet()
            .SetEquals(wanted.Select(b => (b.EffectiveHostIp, b.HostPorts!.Value.Start, b.Container)));

    /// <summary>Docker's bindings as published ports (Docker chose each host port: one per binding).</summary>
    private static List<PublishedPort> Published(IReadOnlyList<PortBinding> ports)
        => ports.Select(b => new PublishedPort(b.EffectiveHostIp, b.HostPorts!.Value.Start, b.Container)).ToList();

    private void Try(Action action, string what)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError("{What} failed: {Error}", what, e.Message);
        }
    }
}
