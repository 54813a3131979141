namespace Dataplane.ControlPlane.Api;

// The observability part of the HTTP/JSON contract: conntrack and NAT listings, monitor events, info.

/// <summary>One flow as `conntrack -L` shows it: the original tuple, the reply tuple, what was translated,
/// its state, seconds left before it expires, and the counters of each direction.</summary>
public sealed record ConntrackFlowRecord(
    string Proto,
    string State,
    string Source,
    int SourcePort,
    string Destination,
    int DestinationPort,
    string ReplySource,
    int ReplySourcePort,
    string ReplyDestination,
    int ReplyDestinationPort,
    string Translation,
    string? Container,
    uint MappingId,
    long TimeoutSeconds,
    ulong Packets,
    ulong Bytes,
    ulong ReplyPackets,
    ulong ReplyBytes,
    bool SeenReply);

public sealed record ConntrackFlushResponse(int Flows);

/// <summary>A masqueraded flow: the host address and port a container's flow leaves with (its claim in conntrack).</summary>
public sealed record NatReservationRecord(
    string Proto,
    string Address,
    int Port,
    string Source,
    int SourcePort,
    string Destination,
    int DestinationPort,
    string? Container);

/// <summary>One event of `dataplane monitor`, as the daemon streams it (one JSON object a line).</summary>
public sealed record MonitorEvent(
    double Time,
    string Type,
    string Reason,
    string Program,
    string Interface,
    int Ifindex,
    string Proto,
    string Source,
    int SourcePort,
    string Destination,
    int DestinationPort,
    int Length);

public sealed record ProgramAttachment(string Interface, int Ifindex, string Hook, string Program, uint ProgramId);

public sealed record MapInfo(string Name, string Type, int MaxEntries, int? Entries);

/// <summary>`dataplane info`: Docker's `info` shape where it fits.</summary>
public sealed record DaemonInfo(
    string ServerVersion,
    string DotnetVersion,
    string KernelVersion,
    string OperatingSystem,
    string Architecture,
    string FirewallBackend,
    string SocketPath,
    string StateDirectory,
    string PinDirectory,
    IReadOnlyList<string> Uplinks,
    int Containers,
    int ContainersRunning,
    int PublishedPorts,
    IReadOnlyList<ProgramAttachment> Attachments,
    IReadOnlyList<MapInfo> Maps,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyList<string> Warnings);

/// <summary>The observability routes, in one place for the server and the client.</summary>
public static class ObservabilityRoutes
{
    public const string Metrics = "/metrics";
    public const string Conntrack = "/conntrack";
    public const string Nat = "/nat";
    public const string Monitor = "/monitor";
    public const string Info = "/info";

    public static string ConntrackQuery(int? port, string? container, string? proto)
    {
        var q = new List<string>();
        if (port is { } p) q.Add($"port={p}");
        if (container is not null) q.Add($"container={Uri.EscapeDataString(container)}");
        if (proto is not null) q.Add($"proto={Uri.EscapeDataString(proto)}");
        return q.Count == 0 ? Conntrack : $"{Conntrack}?{string.Join('&', q)}";
    }

    public static string MonitorQuery(string type) => $"{Monitor}?type={Uri.EscapeDataString(type)}";
}
