using System.Text.Json.Serialization;

namespace Dataplane.ControlPlane.Model;

public enum ContainerState
{
    Created,
    Running,
    Exited,
}

/// <summary>Published ports as persisted: a run of <paramref name="Count"/> consecutive host ports from HostPort
/// to as many container ports from ContainerPort (`-p 20000-29999:20000-29999` is one record). HostIp
/// "0.0.0.0" means every address.</summary>
public sealed record PortMappingRecord(string HostIp, int HostPort, int ContainerPort, string Proto, int Count = 1);

/// <summary>A --link: the linked container's name and the alias it is known by.</summary>
public sealed record LinkRecord(string Name, string Alias);

/// <summary>A container's attachment to one network (an interface in its sandbox): the first is its
/// primary endpoint (where its ports are published and its default route goes); `network connect` adds
/// more. Interface: its name in the sandbox (eth0, eth1, ...); records from before it was kept are eth0.</summary>
public sealed record EndpointRecord(string Network, string? IpAddress, string? MacAddress,
    IReadOnlyList<string>? Aliases = null, string? GlobalIPv6Address = null, string? Interface = null)
{
    [JsonIgnore]
    public string InterfaceName => Interface ?? "eth0";
}

/// <summary>A sandbox (container) as persisted. Publish and PublishAll are the -p/-P requested (what
/// `start` publishes again); Ports, what is published now (nothing while stopped), in runs;
/// ExposedPorts in runs too (`10000-19999/tcp`, see Ports.ExposedPorts.ToRecords).</summary>
public sealed record ContainerRecord(
    string Id,
    string Name,
    string NetworkMode,
    IReadOnlyList<EndpointRecord> Endpoints,
    string Hostname,
    IReadOnlyList<string> Dns,
    IReadOnlyList<string> ExtraHosts,
    IReadOnlyList<LinkRecord> Links,
    IReadOnlyList<string> Env,
    IReadOnlyList<string> ExposedPorts,
    IReadOnlyList<PortMappingRecord> Ports,
    IReadOnlyList<string> Command,
    bool Detached,
    bool AutoRemove,
    ContainerState State,
    int? ExitCode,
    int? Pid,
    DateTimeOffset Created,
    string? User = null,
    IReadOnlyList<string>? CapAdd = null,
    IReadOnlyList<string>? CapDrop = null,
    bool Privileged = false,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null,
    IReadOnlyList<string>? Publish = null,
    bool PublishAll = false)
{
    public string ShortId => Ids.Short(Id);

    /// <summary>The primary endpoint (eth0), where published ports live; null in host, none and container: modes.</summary>
    [JsonIgnore]
    public EndpointRecord? Primary => Endpoints.Count > 0 ? Endpoints[0] : null;

    [JsonIgnore]
    public string? Network => Primary?.Network;

    [JsonIgnore]
    public string? IpAddress => Primary?.IpAddress;

    [JsonIgnore]
    public string? MacAddress => Primary?.MacAddress;

    /// <summary>Bridge and none modes have a sandbox namespace of their own; host and container: do not.</summary>
    [JsonIgnore]
    public bool OwnsNamespace => NetworkMode != "host" && !NetworkMode.StartsWith("container:", StringComparison.Ordinal);

    public EndpointRecord? EndpointOn(string network) => Endpoints.FirstOrDefault(e => e.Network == network);
}

/// <summary>Everything the daemon persists, with a schema version for migrations (StateMigrations).</summary>
public sealed record StateDocument(int SchemaVersion, IReadOnlyList<NetworkRecord> Networks, IReadOnlyList<ContainerRecord> Containers)
{
    public const int CurrentSchemaVersion = 3;

    public static StateDocument Empty => new(CurrentSchemaVersion, [], []);
}
