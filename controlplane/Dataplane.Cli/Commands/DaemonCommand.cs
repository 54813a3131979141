using System.CommandLine;
using Dataplane.ControlPlane;

namespace Dataplane.Cli.Commands;

/// <summary>`dataplane daemon`: hands the options to DaemonHost (the socket comes from --host).</summary>
public static class DaemonCommand
{
    public static Command Build(CliContext context)
    {
        var state = new Option<string>("--state-dir") { Description = "State directory", DefaultValueFactory = _ => "/var/lib/dataplane" };
        var pins = new Option<string>("--pin-dir") { Description = "bpffs pin directory", DefaultValueFactory = _ => "/sys/fs/bpf/dataplane" };
        var bridge = new Option<string>("--bridge") { Description = "Default bridge name", DefaultValueFactory = _ => "dp0" };
        var subnet = new Option<string>("--bridge-subnet") { Description = "Default bridge subnet", DefaultValueFactory = _ => "172.17.0.0/16" };
        var range = new Option<string>("--publish-all-range") { Description = "Host ports for -P", DefaultValueFactory = _ => "49000-49900" };
        var uplinks = new Option<string[]>("--uplink") { Description = "External interface (repeatable; default: every interface not created by the daemon)" };
        var prefix = new Option<string>("--netns-prefix") { Description = "Prefix of sandbox namespaces in /run/netns", DefaultValueFactory = _ => "dp-" };
        var cgroup = new Option<string>("--socket-cgroup") { Description = "cgroup2 directory for the host-to-published-port socket hooks (root, none or a path)", DefaultValueFactory = _ => DaemonOptions.RootCgroup };
        var xdp = new Option<bool>("--xdp") { Description = "Also attach the XDP fast path to the uplinks (NICs with complete checksums only)" };
        var command = new Command("daemon", "Run the Dataplane daemon") { state, pins, bridge, subnet, range, uplinks, prefix, cgroup, xdp };
        command.SetAction(async (parse, ct) =>
        {
            var socket = Dataplane.ControlPlane.Api.DaemonAddress.ResolveSocketPath(parse.GetValue(CliApp.Host), context.Environment);
            var options = new DaemonOptions(socket, parse.GetValue(state)!, parse.GetValue(pins)!, parse.GetValue(bridge)!,
                parse.GetValue(subnet)!, parse.GetValue(range)!, parse.GetValue(uplinks) is { Length: > 0 } u ? u : null,
                parse.GetValue(prefix)!, parse.GetValue(cgroup), parse.GetValue(xdp));
            options.ParsePublishAllRange();
            return await DaemonHost.RunAsync(options, ct);
        });
        return command;
    }
}
