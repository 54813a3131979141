using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane;

/// <summary>Options of `dataplane daemon`; every instance is parameterised so tests can run several side by side.</summary>
public sealed record DaemonOptions(
    string SocketPath = Api.DaemonAddress.DefaultSocketPath,
    string StateDirectory = "/var/lib/dataplane",
    string PinDirectory = "/sys/fs/bpf/dataplane",
    string DefaultBridgeName = "dp0",
    string DefaultBridgeSubnet = "172.17.0.0/16",
    string PublishAllRange = "49000-49900",
    IReadOnlyList<string>? Uplinks = null,
    string SandboxPrefix = "dp-",
    string? SocketHookCgroup = DaemonOptions.RootCgroup,
    bool Xdp = false)
{
    /// <summary>Attach the socket hooks to the cgroup2 root (every process of the host); "none" disables them.</summary>
    public const string RootCgroup = "root";

    /// <summary>Conntrack entries (a flow uses two); fixed when the maps are first created.</summary>
    public uint ConntrackEntries { get; init; } = DataPath.DataPathAbi.CtMaxDefault;
    public uint SnatEntries { get; init; } = DataPath.DataPathAbi.SnatMaxDefault;

    /// <summary>Published ports of all containers together (map capacity); fixed when the maps are first created.</summary>
    public uint PublishedPorts { get; init; } = DataPath.DataPathAbi.MappingIdMax - 1;

    /// <summary>Masquerade source ports (outside the host's ephemeral range and published ports).</summary>
    public ushort SnatPortMin { get; init; } = DataPath.DataPathAbi.SnatPortMinDefault;
    public ushort SnatPortMax { get; init; } = DataPath.DataPathAbi.SnatPortMaxDefault;

    public DataPath.ConntrackTimeouts ConntrackTimeouts { get; init; } = new();

    /// <summary>Keep a socket on every published host port, as dockerd does, so no other process can
    /// bind it. Off: a port is still checked free when published, but costs no open file afterwards.</summary>
    public bool HoldHostPorts { get; init; } = true;

    public PortRange ParsePublishAllRange() => PortRange.TryParse(PublishAllRange) is { IsSingle: false } r
        ? r
        : throw DataplaneException.Invalid($"invalid port range for -P: {PublishAllRange}");
}

/// <summary>The daemon's entry point: see Daemon/DaemonRunner.</summary>
public static class DaemonHost
{
    public static Task<int> RunAsync(DaemonOptions options, CancellationToken ct) => Daemon.DaemonRunner.RunAsync(options, ct);
}
