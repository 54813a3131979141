using NetworkSpec = Dataplane.ControlPlane.Engine.NetworkSpec;
using System.Net;
using Dataplane.ControlPlane.Engine;
using Docker.DotNet.Models;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>A Docker bridge network as the engine adopts it, with the host address its ports default to.</summary>
public sealed record DockerNetwork(NetworkSpec Spec, IPAddress? HostBindingIpv4);

/// <summary>Docker's bridge-driver networks (docker0 and user-defined) translated into engine networks.</summary>
public static class DockerNetworks
{
    public const string BridgeNameOption = "com.docker.network.bridge.name";
    public const string IccOption = "com.docker.network.bridge.enable_icc";
    public const string MasqueradeOption = "com.docker.network.bridge.enable_ip_masquerade";
    public const string HostBindingOption = "com.docker.network.bridge.host_binding_ipv4";
    public const string DefaultBridgeOption = "com.docker.network.bridge.default_bridge";

    /// <summary>The engine network for a bridge-driver network (with its IPv6 side when Docker enabled IPv6 on it);
    /// null (with the reason) for other drivers or no IPv4 subnet.</summary>
    public static DockerNetwork? Translate(NetworkResponse network, out string? skipped)
    {
        skipped = null;
        if (network.Driver != "bridge")
        {
            skipped = $"network {network.Name}: driver {network.Driver} is not followed (only bridge)";
            return null;
        }
        var options = network.Options ?? new Dictionary<string, string>();
        var ipv4 = (network.IPAM?.Config ?? []).Select(c => (Config: c, Subnet: ParseSubnet(c.Subnet)))
            .FirstOrDefault(c => c.Subnet is { Address.AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork });
        if (ipv4.Subnet is not var (subnet, prefix))
        {
            skipped = $"network {network.Name}: no IPv4 subnet";
            return null;
        }
        var gateway = string.IsNullOrEmpty(ipv4.Config.Gateway) ? FirstHost(subnet) : IPAddress.Parse(ipv4.Config.Gateway.Split('/')[0]);
        var bridge = options.TryGetValue(BridgeNameOption, out var name) && name.Length > 0 ? name : "br-" + network.ID[..12];
        var spec = new NetworkSpec(network.ID, network.Name, bridge, subnet, prefix, gateway,
            Internal: network.Internal,
            Icc: Flag(options, IccOption, true),
            // dockerd turns masquerade off on docker0 whenever its own NAT is off, which Docker mode requires;
            // what the user asked for is not visible, so docker0 keeps Docker's default: masquerade.
            Masquerade: IsDefaultBridge(network) || Flag(options, MasqueradeOption, true));
        // A dual-stack network (docker network create --ipv6, docker0 with --fixed-cidr-v6): its IPv6 side too.
        var ipv6 = (network.IPAM?.Config ?? []).Select(c => (Config: c, Subnet: ParseSubnet(c.Subnet)))
            .FirstOrDefault(c => c.Subnet is { Address.AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 });
        if (network.EnableIPv6 && ipv6.Subnet is var (subnet6, prefix6))
            spec = spec with
            {
                V6 = new NetworkSpecV6(subnet6, prefix6,
                    string.IsNullOrEmpty(ipv6.Config.Gateway) ? FirstHost(subnet6) : IPAddress.Parse(ipv6.Config.Gateway.Split('/')[0])),
            };
        var hostBinding = options.TryGetValue(HostBindingOption, out var hb) && IPAddress.TryParse(hb, out var ip) && !ip.Equals(IPAddress.Any) ? ip : null;
        return new DockerNetwork(spec, hostBinding);
    }

    public static bool IsDefaultBridge(NetworkResponse network)
        => network.Options is { } o && Flag(o, DefaultBridgeOption, false);

    /// <summary>Docker writes options as Go bools ("true", "false", "1", "0").</summary>
    public static bool Flag(IDictionary<string, string> options, string key, bool fallback)
        => options.TryGetValue(key, out var v) ? v.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "t" => true,
            "false" or "0" or "f" => false,
            _ => throw DataplaneException.Invalid($"Docker network option {key}={v} is not a boolean"),
        } : fallback;

    private static (IPAddress Address, int Prefix)? ParseSubnet(string? cidr)
    {
        if (string.IsNullOrEmpty(cidr) || !IPNetwork.TryParse(cidr, out var net)) return null;
        return (net.BaseAddress, net.PrefixLength);
    }

    private static IPAddress FirstHost(IPAddress subnet)
    {
        var b = subnet.GetAddressBytes();
        b[^1]++;
        return new IPAddress(b);
    }
}
