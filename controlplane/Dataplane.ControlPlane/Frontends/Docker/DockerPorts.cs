using System.Globalization;
using System.Net;
using Dataplane.ControlPlane.Ports;
using DockerPortBinding = Docker.DotNet.Models.PortBinding;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>
/// A container's NetworkSettings.Ports ("80/tcp" -> [{HostIp, HostPort}]) as the engine's port
/// bindings: each one concrete (dockerd already chose and holds the host port). The "::" twin of a
/// 0.0.0.0 binding is the same binding (the engine publishes an address-less port on both families
/// when the container has IPv6); other IPv6 host addresses are published for a container with an IPv6
/// address and left out with a warning otherwise, as is sctp: the data path serves tcp and udp.
/// </summary>
public static class DockerPorts
{
    public static IReadOnlyList<PortBinding> Translate(IDictionary<string, IList<DockerPortBinding>>? ports, IPAddress? networkHostBinding, ICollection<string> warnings,
        bool containerHasIpv6 = false)
    {
        var result = new List<PortBinding>();
        foreach (var (key, bindings) in ports ?? new Dictionary<string, IList<DockerPortBinding>>())
        {
            if (bindings is null || bindings.Count == 0) continue; // exposed, not published
            var slash = key.IndexOf('/');
            var protoName = slash < 0 ? "tcp" : key[(slash + 1)..];
            if (protoName.Equals("sctp", StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"{key}: sctp is not supported by the data path; not published");
                continue;
            }
            var container = new ContainerPort(ParsePort(slash < 0 ? key : key[..slash], key), ProtoNames.Parse(protoName));
            foreach (var b in bindings)
            {
                int hostPort = ParsePort(b.HostPort, key);
                var hostIp = string.IsNullOrEmpty(b.HostIP) ? networkHostBinding : IPAddress.Parse(b.HostIP);
                if (hostIp is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 })
                {
                    if (hostIp.Equals(IPAddress.IPv6Any) && bindings.Any(o => o.HostIP is "0.0.0.0" or "" && o.HostPort == b.HostPort))
                        continue; // the twin: published with the address-less binding
                    if (!containerHasIpv6)
                    {
                        warnings.Add($"{key}: host address {hostIp} is IPv6 and the container has no IPv6 address; not published");
                        continue;
                    }
                }
                var binding = new PortBinding(hostIp is null || hostIp.Equals(IPAddress.Any) ? null : hostIp, PortRange.Single(hostPort), container);
                if (!result.Contains(binding)) result.Add(binding);
            }
        }
        return result.OrderBy(b => b.Container).ThenBy(b => b.HostPorts!.Value.Start).ToList();
    }

    private static int ParsePort(string? text, string key)
        => PortRange.TryParse(text ?? "") is { IsSingle: true } r ? r.Start
            : throw DataplaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"Docker reported port '{text}' for {key}: not a port number"));
}
