using System.Net;
using System.Text.RegularExpressions;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Validation;

/// <summary>Turns `network create` into a NetworkRecord, or refuses it with Docker's texts. Pure: nothing is created.</summary>
public static partial class NetworkPlanner
{
    public const string IccOption = "com.docker.network.bridge.enable_icc";
    public const string BridgeNameOption = "com.docker.network.bridge.name";

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\z")]
    private static partial Regex ValidName();

    public static NetworkRecord Plan(NetworkCreateRequest request, IStateView state, string? id = null, DateTimeOffset? now = null)
    {
        string name = request.Name ?? throw DataplaneException.Invalid("network name is required");
        if (name.Length > RunSyntax.MaxNameLength)
            throw DataplaneException.Invalid($"invalid network name: longer than {RunSyntax.MaxNameLength} characters");
        if (!ValidName().IsMatch(name))
            throw DataplaneException.Invalid($"invalid network name \"{name}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        if (NetworkRecord.Predefined.Contains(name) || state.Networks.Any(n => n.Name == name))
            throw DataplaneException.Conflict($"network with name {name} already exists");

        var existing = state.Networks.Select(n => Ipv4Subnet.Parse(n.Subnet)).ToList();
        Ipv4Subnet subnet;
        if (request.Subnet is { } text)
        {
            subnet = Ipv4Subnet.Parse(text);
            SubnetPlanner.EnsureNoOverlap(subnet, existing);
        }
        else
        {
            if (request.Gateway is not null)
                throw DataplaneException.Invalid("every ip-range or gateway must have a corresponding subnet");
            subnet = SubnetPlanner.PickFree(existing);
        }
        uint gateway = request.Gateway is null
            ? subnet.DefaultGateway
            : Ipv4Subnet.ParseAddress(request.Gateway, $"invalid gateway address: {request.Gateway}");
        if (!subnet.IsHostAddress(gateway))
            throw DataplaneException.Invalid($"no matching subnet for gateway {Ipv4Subnet.ToAddress(gateway)}");

        var v6 = PlanIpv6(request, state);

        id ??= Ids.New();
        var options = new Dictionary<string, string>(request.Options ?? new Dictionary<string, string>());
        bool icc = true;
        string bridge = $"dp-{Ids.Short(id)}";
        foreach (var (key, value) in options)
        {
            if (value is null) throw DataplaneException.Invalid($"invalid value for {key}: null");
            switch (key)
            {
                case "icc" or IccOption:
                    icc = bool.TryParse(value, out var b) ? b : throw DataplaneException.Invalid($"invalid value for {key}: {value}");
                    break;
                case "name" or BridgeNameOption:
                    if (value.Length is 0 or > 15 || value.Contains('/') || value.Any(char.IsWhiteSpace))
                        throw DataplaneException.Invalid($"invalid bridge name \"{value}\": 1-15 characters, no '/' or spaces");
                    if (state.Networks.Any(n => n.BridgeName == value))
                        throw DataplaneException.Conflict($"bridge name {value} is already used by another network");
                    bridge = value;
                    break;
                default:
                    throw DataplaneException.Invalid($"unknown network option {key} (supported: icc, name)");
            }
        }
        return new NetworkRecord(id, name, bridge, subnet.ToString(), Ipv4Subnet.ToAddress(gateway).ToString(),
            request.Internal, icc, options, now ?? DateTimeOffset.UtcNow)
        {
            SubnetV6 = v6?.Subnet.ToString(),
            GatewayV6 = v6 is { } s6 ? Ipv6Subnet.ToAddress(s6.Gateway).ToString() : null,
        };
    }

    /// <summary>--ipv6: the IPv6 subnet asked for (or a free /64 of the default pool) and its gateway (or ::1).</summary>
    private static (Ipv6Subnet Subnet, UInt128 Gateway)? PlanIpv6(NetworkCreateRequest request, IStateView state)
    {
        if (!request.EnableIPv6)
        {
            if (request.SubnetV6 is not null || request.GatewayV6 is not null)
                throw DataplaneException.Invalid("an IPv6 subnet or gateway needs --ipv6 (IPv6 is not enabled on this network)");
            return null;
        }
        var existing = state.Networks.Where(n => n.SubnetV6 is not null).Select(n => Ipv6Subnet.Parse(n.SubnetV6!)).ToList();
        Ipv6Subnet subnet;
        if (request.SubnetV6 is { } text)
        {
            subnet = Ipv6Subnet.Parse(text);
            SubnetPlanner.EnsureNoOverlap(subnet, existing);
        }
        else
        {
            if (request.GatewayV6 is not null)
                throw DataplaneException.Invalid("every ip-range or gateway must have a corresponding subnet");
            subnet = SubnetPlanner.PickFree(existing);
        }
        var gateway = request.GatewayV6 is null
            ? subnet.DefaultGateway
            : Ipv6Subnet.ParseAddress(request.GatewayV6, $"invalid gateway address: {request.GatewayV6}");
        if (!subnet.IsHostAddress(gateway))
            throw DataplaneException.Invalid($"no matching subnet for gateway {Ipv6Subnet.ToAddress(gateway)}");
        return (subnet, gateway);
    }

    /// <summary>The default network the daemon creates on its first start.</summary>
    public static NetworkRecord DefaultBridge(string bridgeName, Ipv4Subnet subnet, IPAddress? gateway = null, string? id = null) =>
        new(id ?? Ids.New(), NetworkRecord.DefaultName, bridgeName, subnet.ToString(),
            (gateway ?? Ipv4Subnet.ToAddress(subnet.DefaultGateway)).ToString(), false, true,
            new Dictionary<string, string>(), DateTimeOffset.UtcNow);

    /// <summary>The default bridge with dockerd's fixed-cidr-v6 applied (its gateway the subnet's first
    /// address), or removed (null); unchanged when it already says so.</summary>
    public static NetworkRecord WithDefaultIpv6(NetworkRecord bridge, string? subnetV6)
    {
        Ipv6Subnet? subnet = subnetV6 is null ? null : Ipv6Subnet.Parse(subnetV6);
        return bridge with
        {
            SubnetV6 = subnet?.ToString(),
            GatewayV6 = subnet is { } s ? Ipv6Subnet.ToAddress(s.DefaultGateway).ToString() : null,
        };
    }

    /// <summary>`network rm`: predefined networks and networks with containers are refused.</summary>
    public static NetworkRecord CheckRemovable(string nameOrId, IStateView state)
    {
        if (nameOrId is "host" or "none")
            throw DataplaneException.Conflict($"{nameOrId} is a pre-defined network and cannot be removed");
        var network = state.FindNetwork(nameOrId) ?? throw DataplaneException.NotFound($"network {nameOrId} not found");
        if (network.Name == NetworkRecord.DefaultName)
            throw DataplaneException.Conflict($"{network.Name} is a pre-defined network and cannot be removed");
        if (state.Containers.Any(c => c.EndpointOn(network.Name) is not null))
            throw DataplaneException.Conflict($"error while removing network: network {network.Name} id {network.Id} has active endpoints");
        return network;
    }
}
