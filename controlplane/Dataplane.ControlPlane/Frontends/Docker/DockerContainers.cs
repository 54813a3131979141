using PortBinding = Dataplane.ControlPlane.Ports.PortBinding;
using System.Net;
using System.Net.NetworkInformation;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Ports;
using Docker.DotNet.Models;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>One interface of a running container on a followed network; the host veth is found later from the sandbox.</summary>
public sealed record DockerEndpoint(Owner Owner, string NetworkId, PhysicalAddress Mac, IPAddress IPv4, IPAddress? IPv6);

/// <summary>What a running container brings to the engine: its endpoints, and its published ports on the primary one.</summary>
public sealed record DockerContainer(string Id, string Name, int Pid, string? SandboxKey, IReadOnlyList<DockerEndpoint> Endpoints, Owner PortsOwner, IReadOnlyList<PortBinding> Ports);

/// <summary>Docker's view of a container (inspect) translated for the engine.</summary>
public static class DockerContainers
{
    /// <summary>Owner of a container's endpoint on one network: one container may sit on several networks.</summary>
    public static Owner OwnerOf(string containerId, string networkId) => new(OwnerKind.Docker, $"{containerId}/{networkId}");

    public static string ContainerIdOf(Owner owner) => owner.Id.Split('/')[0];

    /// <summary>
    /// The container's endpoints on <paramref name="networks"/> (followed bridge networks, by id).
    /// Published ports go to the endpoint of the network the container was started on
    /// (HostConfig.NetworkMode; "default" is docker0), where dockerd maps them; null for a container
    /// that is not running or has no endpoint we follow (host, none, container: modes).
    /// </summary>
    public static DockerContainer? Translate(ContainerInspectResponse c, IReadOnlyDictionary<string, DockerNetwork> networks, ICollection<string> warnings)
    {
        if (c.State is not { Running: true } || c.State.Pid <= 0) return null;
        var endpoints = new List<(string Name, DockerEndpoint Endpoint)>();
        foreach (var (name, settings) in c.NetworkSettings?.Networks ?? new Dictionary<string, EndpointSettings>())
        {
            if (settings is null || !networks.ContainsKey(settings.NetworkID ?? "")) continue;
            if (string.IsNullOrEmpty(settings.IPAddress) || string.IsNullOrEmpty(settings.MacAddress))
            {
                warnings.Add($"container {Short(c.ID)} on {name}: no IPv4 address or MAC; not adopted");
                continue;
            }
            var v6 = string.IsNullOrEmpty(settings.GlobalIPv6Address) ? null : IPAddress.Parse(settings.GlobalIPv6Address);
            endpoints.Add((name, new DockerEndpoint(OwnerOf(c.ID, settings.NetworkID!), settings.NetworkID!,
                PhysicalAddress.Parse(settings.MacAddress.Replace(':', '-').ToUpperInvariant()), IPAddress.Parse(settings.IPAddress), v6)));
        }
        if (endpoints.Count == 0) return null;

        var mode = c.HostConfig?.NetworkMode is null or "" or "default" ? "bridge" : c.HostConfig.NetworkMode;
        var primary = endpoints.FirstOrDefault(e => e.Name == mode || e.Endpoint.NetworkId == mode);
        if (primary.Endpoint is null) primary = endpoints.OrderBy(e => e.Name, StringComparer.Ordinal).First();
        var ports = DockerPorts.Translate(c.NetworkSettings?.Ports, networks[primary.Endpoint.NetworkId].HostBindingIpv4, warnings, primary.Endpoint.IPv6 is not null);
        return new DockerContainer(c.ID, c.Name?.TrimStart('/') ?? Short(c.ID), (int)c.State.Pid, c.NetworkSettings?.SandboxKey,
            endpoints.Select(e => e.Endpoint).ToList(), primary.Endpoint.Owner, ports);
    }

    public static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
