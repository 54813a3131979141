using System.CommandLine;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Daemon;

namespace Dataplane.Daemon;

/// <summary>
/// `dataplane daemon`: flags over DATAPLANE_* variables over the configuration file over defaults
/// (see DaemonConfiguration); the socket comes from --host or DATAPLANE_HOST.
/// </summary>
public static class DaemonCommand
{
    private static readonly Dictionary<string, string> Descriptions = new()
    {
        ["state-dir"] = "State directory (default /var/lib/dataplane)",
        ["pin-dir"] = "bpffs pin directory (default /sys/fs/bpf/dataplane)",
        ["bridge"] = "Default bridge name (default dp0)",
        ["bridge-subnet"] = "Default bridge subnet (default 172.17.0.0/16)",
        ["publish-all-range"] = "Host ports for -P (default 49000-49900)",
        ["uplink"] = "External interface (repeatable; default: every interface not created by the daemon)",
        ["netns-prefix"] = "Prefix of sandbox namespaces in /run/netns (default dp-)",
        ["socket-cgroup"] = "cgroup2 directory for the host-to-published-port socket hooks: root (default), none or a path",
        ["xdp"] = "Also attach the XDP fast path to the uplinks (NICs with complete checksums only)",
        ["conntrack-entries"] = "Conntrack table size, two entries per flow (default 262144)",
        ["conntrack6-entries"] = "IPv6 conntrack table size, two entries per flow (default 65536)",
        ["conntrack-timeouts"] = "Conntrack lifetimes in seconds, e.g. tcp-established=86400,udp=60 (defaults: nf_conntrack's)",
        ["snat-entries"] = "Obsolete, ignored (masquerade ports are claimed in the conntrack table)",
        ["masquerade-port-range"] = "Source ports for masquerade (default 61000-65535)",
        ["published-ports"] = "Published ports of all containers together: the per-mapping counters' size and the one-address port map's (default 16383; fixed when the maps are first pinned)",
        ["docker"] = "Docker mode: follow this Docker engine's networks, containers and published ports (default unix:///var/run/docker.sock); dockerd must run with iptables, ip6tables and userland-proxy off",
        ["metrics-addr"] = "Also serve Prometheus metrics on this TCP address, e.g. 127.0.0.1:9323 (default off; GET /metrics on the API socket always)",
        ["ipv6"] = "Enable IPv6 on the default bridge (dual-stack; needs --fixed-cidr-v6)",
        ["fixed-cidr-v6"] = "The default bridge's IPv6 subnet, e.g. fd00:dead:beef::/64",
        ["hold-host-ports"] = "Refuse binds to published host ports by processes of the socket cgroup, and keep them from ephemeral use (default true; false: only checked free when published)",
    };

    public static Command Build(Func<string, string?> environment)
    {
        var config = new Option<string?>("--config") { Description = $"Configuration file (JSON; default {DaemonConfiguration.DefaultFile} when present)" };
        var flags = DaemonConfiguration.Keys.Select(key => key switch
        {
            "uplink" => (Option)new Option<string[]>("--" + key) { Description = Descriptions[key] },
            "xdp" or "hold-host-ports" or "ipv6" => new Option<bool>("--" + key) { Description = Descriptions[key] },
            "docker" => new Option<string>("--" + key) { Description = Descriptions[key], Arity = ArgumentArity.ZeroOrOne },
            _ => new Option<string>("--" + key) { Description = Descriptions[key] },
        }).ToList();
        var command = new Command("daemon", "Run the Dataplane daemon") { config };
        foreach (var flag in flags) command.Add(flag);
        command.SetAction(async (parse, ct) =>
        {
            var given = new Dictionary<string, string?>();
            foreach (var flag in flags)
            {
                if (parse.GetResult(flag) is not { Implicit: false } result) continue;
                var key = flag.Name[2..];
                switch (result.GetValueOrDefault<object?>())
                {
                    case string[] values:
                        for (int i = 0; i < values.Length; i++) given[$"{key}:{i}"] = values[i];
                        break;
                    case var value:
                        given[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                }
            }
            var socket = ControlPlane.Api.DaemonAddress.ResolveSocketPath(parse.GetValue(Program.Host), environment);
            var options = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(parse.GetValue(config), environment, given), socket);
            return await DaemonHost.RunAsync(options, ct);
        });
        return command;
    }
}
