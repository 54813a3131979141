namespace Dataplane.ControlPlane.Model;

public enum ContainerState
{
    Created,
    Running,
    Exited,
}

/// <summary>A published port as persisted: HostIp "0.0.0.0" means every address.</summary>
public sealed record PortMappingRecord(string HostIp, int HostPort, int ContainerPort, string Proto);

/// <summary>A --link: the linked container's name and the alias it is known by.</summary>
public sealed record LinkRecord(string Name, string Alias);

/// <summary>A sandbox (container) as persisted.</summary>
public sealed record ContainerRecord(
    string Id,
    string Name,
    string NetworkMode,
    string? Network,
    string? IpAddress,
    string? MacAddress,
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
    bool Privileged = false)
{
    public string ShortId => Ids.Short(Id);
}

/// <summary>Everything the daemon persists, with a schema version for later migrations.</summary>
public sealed record StateDocument(int SchemaVersion, IReadOnlyList<NetworkRecord> Networks, IReadOnlyList<ContainerRecord> Containers)
{
    public const int CurrentSchemaVersion = 1;

    public static StateDocument Empty => new(CurrentSchemaVersion, [], []);
}
