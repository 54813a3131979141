using System.Globalization;
using Dataplane.ControlPlane.DataPath;
using Microsoft.Extensions.Configuration;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// Where the daemon's options come from, later sources winning: defaults, appsettings.json beside
/// the binary, the configuration file (/etc/dataplane/daemon.json, or --config), DATAPLANE_* variables
/// (DATAPLANE_STATE_DIR for state-dir, lists comma-separated), then the command line. The keys are
/// the command-line flags without their dashes.
/// </summary>
public static class DaemonConfiguration
{
    public const string DefaultFile = "/etc/dataplane/daemon.json";

    public static readonly string[] Keys =
    [
        "state-dir", "pin-dir", "bridge", "bridge-subnet", "publish-all-range", "uplink", "netns-prefix", "socket-cgroup", "xdp",
        "conntrack-entries", "conntrack6-entries", "conntrack-timeouts", "snat-entries", "masquerade-port-range", "hold-host-ports", "published-ports",
        "docker",
        "metrics-addr",
        "ipv6", "fixed-cidr-v6",
    ];

    /// <summary>Kept a known key so old configurations still start.</summary>
    public const string SnatEntriesObsolete = "snat-entries is obsolete and ignored: a masqueraded flow's port is claimed by its conntrack entry, per remote end";

    public static IConfiguration Build(string? file, Func<string, string?> environment, IReadOnlyDictionary<string, string?> commandLine)
    {
        var fromEnvironment = Keys
            .Select(k => KeyValuePair.Create(k, environment("DATAPLANE_" + k.ToUpperInvariant().Replace('-', '_'))))
            .Where(kv => kv.Value is not null);
        return new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(file ?? DefaultFile, optional: file is null)
            .AddInMemoryCollection(fromEnvironment)
            .AddInMemoryCollection(commandLine)
            .Build();
    }

    /// <summary>The options a configuration describes; a malformed value is an error naming its key.</summary>
    public static DaemonOptions ToOptions(IConfiguration c, string socketPath)
    {
        var d = new DaemonOptions();
        var dp = d.DataPath;
        var (snatMin, snatMax) = c["masquerade-port-range"] is { } range ? ParseRange("masquerade-port-range", range) : (dp.SnatPortMin, dp.SnatPortMax);
        var options = new DaemonOptions(
            socketPath,
            c["state-dir"] ?? d.StateDirectory,
            c["bridge"] ?? d.DefaultBridgeName,
            c["bridge-subnet"] ?? d.DefaultBridgeSubnet,
            c["publish-all-range"] ?? d.PublishAllRange,
            List(c, "uplink"),
            c["netns-prefix"] ?? d.SandboxPrefix,
            c["socket-cgroup"] ?? d.SocketHookCgroup,
            c["xdp"] is { } xdp ? Parse("xdp", xdp, bool.Parse) : d.Xdp)
        {
            DataPath = new DataPathOptions
            {
                PinDirectory = c["pin-dir"] ?? dp.PinDirectory,
                ConntrackEntries = c["conntrack-entries"] is { } ct ? Parse("conntrack-entries", ct, s => uint.Parse(s, CultureInfo.InvariantCulture)) : dp.ConntrackEntries,
                Conntrack6Entries = c["conntrack6-entries"] is { } ct6 ? Parse("conntrack6-entries", ct6, s => uint.Parse(s, CultureInfo.InvariantCulture)) : dp.Conntrack6Entries,
                SnatPortMin = snatMin,
                SnatPortMax = snatMax,
                ConntrackTimeouts = c["conntrack-timeouts"] is { } timeouts ? ConntrackTimeouts.Parse(timeouts) : dp.ConntrackTimeouts,
                PublishedPorts = c["published-ports"] is { } pp ? Parse("published-ports", pp, ParsePublishedPorts) : dp.PublishedPorts,
            },
            HoldHostPorts = c["hold-host-ports"] is { } hold ? Parse("hold-host-ports", hold, bool.Parse) : d.HoldHostPorts,
            Docker = c["docker"],
            ConfigurationWarnings = c["snat-entries"] is null ? [] : [SnatEntriesObsolete],
            MetricsAddress = c["metrics-addr"] is { Length: > 0 } metrics ? Parse("metrics-addr", metrics, s => Observability.MetricsListener.ParseEndpoint(s).ToString()) : null,
        };
        options.ParsePublishAllRange();
        return options with { DefaultBridgeSubnetV6 = DefaultBridgeV6(c) };
    }

    /// <summary>dockerd's pair: ipv6 turns IPv6 on for the default bridge, fixed-cidr-v6 gives its subnet;
    /// one without the other is refused rather than half applied.</summary>
    private static string? DefaultBridgeV6(IConfiguration c)
    {
        bool ipv6 = c["ipv6"] is { } flag && Parse("ipv6", flag, bool.Parse);
        var cidr = c["fixed-cidr-v6"];
        if (ipv6 && cidr is null)
            throw DataplaneException.Invalid("ipv6 needs fixed-cidr-v6: the default bridge's IPv6 subnet (e.g. fd00:dead:beef::/64)");
        if (!ipv6 && cidr is not null)
            throw DataplaneException.Invalid("fixed-cidr-v6 needs ipv6 (IPv6 is not enabled on the default bridge)");
        if (cidr is not null) Ipam.Ipv6Subnet.Parse(cidr);
        return cidr;
    }

    /// <summary>A list from a JSON array (key:0, key:1, ...) or one comma-separated value; null when absent.</summary>
    private static IReadOnlyList<string>? List(IConfiguration c, string key)
    {
        var items = c.GetSection(key).GetChildren().Select(s => s.Value).OfType<string>().ToList();
        if (items.Count == 0 && c[key] is { } value) items = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        return items.Count > 0 ? items : null;
    }

    private static T Parse<T>(string key, string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw DataplaneException.Invalid($"invalid {key}: {value}");
        }
    }

    /// <summary>At least one; at most what 32-bit mapping ids and two protocols on a few addresses need.</summary>
    private static uint ParsePublishedPorts(string s)
        => uint.Parse(s, CultureInfo.InvariantCulture) is var n and >= 1 and <= 1 << 20 ? n : throw new OverflowException();

    private static (ushort, ushort) ParseRange(string key, string value)
        => Ports.PortRange.TryParse(value) is { IsSingle: false } r ? ((ushort)r.Start, (ushort)r.End) : throw DataplaneException.Invalid($"invalid {key}: {value}");
}
