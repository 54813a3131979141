using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane;

/// <summary>
/// Options of `dataplane daemon`, bound once from configuration (Daemon/DaemonConfiguration) and
/// handed as they are to the parts that need them. Every instance is parameterised (namespace,
/// pin and state directories, socket) so tests and benchmarks run several side by side.
/// </summary>
public sealed record DaemonOptions(
    string SocketPath = Api.DaemonAddress.DefaultSocketPath,
    string StateDirectory = "/var/lib/dataplane",
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

    public const string DefaultPinDirectory = "/sys/fs/bpf/dataplane";

    /// <summary>dockerd's --ipv6 --fixed-cidr-v6: the default bridge's IPv6 subnet (dual-stack); null: IPv4 only.</summary>
    public string? DefaultBridgeSubnetV6 { get; init; }

    /// <summary>The namespace the daemon manages, by name (/run/netns); null = the one it runs in.</summary>
    public string? Namespace { get; init; }

    /// <summary>Map sizes and knobs fixed when the data path is loaded, and its pin directory.</summary>
    public DataPathOptions DataPath { get; init; } = new() { PinDirectory = DefaultPinDirectory };

    /// <summary>No other process of the socket-hook cgroup can bind a published host port (the bind guard),
    /// nor get it as an ephemeral port, as when dockerd keeps a socket on each. Off: a port is only
    /// checked free when published.</summary>
    public bool HoldHostPorts { get; init; } = true;

    /// <summary>Prometheus metrics on TCP (e.g. 127.0.0.1:9323, as dockerd's metrics-addr); null: only GET /metrics on the API socket.</summary>
    public string? MetricsAddress { get; init; }

    /// <summary>Docker mode: the Docker engine to follow (unix:///var/run/docker.sock when given empty); null: off.</summary>
    public string? Docker { get; init; }

    /// <summary>What the configuration asked for that is no longer done (obsolete keys), logged at start.</summary>
    public IReadOnlyList<string> ConfigurationWarnings { get; init; } = [];

    public PortRange ParsePublishAllRange() => PortRange.TryParse(PublishAllRange) is { IsSingle: false } r
        ? r
        : throw DataplaneException.Invalid($"invalid port range for -P: {PublishAllRange}");

    /// <summary>The cgroup2 directory the socket hooks attach to; null when they are off.</summary>
    public string? SocketHookCgroupPath() => SocketHookCgroup switch
    {
        null or "none" => null,
        RootCgroup => Cgroup2Root(),
        var path => path,
    };

    /// <summary>The cgroup2 mount: on hybrid hosts /sys/fs/cgroup/unified, on unified hosts /sys/fs/cgroup.</summary>
    public static string Cgroup2Root() => File.ReadLines("/proc/self/mountinfo")
        .Select(l => l.Split(' '))
        .Where(f => Array.IndexOf(f, "-") is int dash and > 0 && dash + 1 < f.Length && f[dash + 1] == "cgroup2")
        .Select(f => f[4]).FirstOrDefault() ?? throw DataplaneException.Invalid("no cgroup2 mount: the socket hooks need one (or --socket-cgroup none)");
}
