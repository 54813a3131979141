namespace Dataplane.ControlPlane.Model;

/// <summary>A bridge network as persisted. Addresses are kept as text so the JSON reads like `docker network inspect`.</summary>
public sealed record NetworkRecord(
    string Id,
    string Name,
    string BridgeName,
    string Subnet,
    string Gateway,
    bool Internal,
    bool Icc,
    IReadOnlyDictionary<string, string> Options,
    DateTimeOffset Created)
{
    /// <summary>False when the bridge existed before the network (an operator's, named with -o name=):
    /// removing the network then leaves it. Records written before this field read as true.</summary>
    public bool CreatedBridge { get; init; } = true;

    /// <summary>The IPv6 subnet and gateway of a dual-stack network (network create --ipv6), or null.</summary>
    public string? SubnetV6 { get; init; }

    public string? GatewayV6 { get; init; }

    /// <summary>The name of the default network, created by the daemon itself.</summary>
    public const string DefaultName = "bridge";

    /// <summary>Names that are network modes, never user networks.</summary>
    public static readonly IReadOnlySet<string> Predefined = new HashSet<string>(["bridge", "host", "none"]);
}
