using System.CommandLine;
using System.Text.Json.Nodes;
using Dataplane.Cli.Formatting;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Cli.Commands;

/// <summary>`dataplane network create|ls|inspect|rm|connect|disconnect`.</summary>
public static class NetworkCommands
{
    public static Command Build(CliContext context)
    {
        var network = new Command("network", "Manage networks");
        network.Add(Create(context));
        network.Add(List(context));
        network.Add(InspectCommand.BuildNetwork(context));
        network.Add(Remove(context));
        network.Add(Connect(context));
        network.Add(Disconnect(context));
        return network;
    }

    /// <summary>Docker's dual-stack form: --subnet and --gateway given once per family (told apart by a colon), --ipv6.</summary>
    public static NetworkCreateRequest ParseCreate(string name, string[] subnets, string[] gateways, bool @internal, string[] options, bool ipv6)
    {
        static (string? V4, string? V6) ByFamily(string[] values, string flag)
        {
            var v4 = values.Where(v => !Ipv6Subnet.LooksLikeIpv6(v)).ToList();
            var v6 = values.Where(Ipv6Subnet.LooksLikeIpv6).ToList();
            if (v4.Count > 1 || v6.Count > 1)
                throw DataplaneException.Invalid($"invalid argument for \"{flag}\" flag: at most one IPv4 and one IPv6 value");
            return (v4.FirstOrDefault(), v6.FirstOrDefault());
        }
        var (subnet, subnet6) = ByFamily(subnets, "--subnet");
        var (gateway, gateway6) = ByFamily(gateways, "--gateway");
        if (subnet6 is not null)
            Ipv6Subnet.Parse(subnet6);
        if (gateway6 is not null)
            Ipv6Subnet.ParseAddress(gateway6, $"invalid argument \"{gateway6}\" for \"--gateway\" flag: invalid IP address");
        if (!ipv6 && (subnet6 is not null || gateway6 is not null))
            throw DataplaneException.Invalid("an IPv6 subnet or gateway needs --ipv6 (IPv6 is not enabled on this network)");
        return ParseCreate(name, subnet, gateway, @internal, options) with { EnableIPv6 = ipv6, SubnetV6 = subnet6, GatewayV6 = gateway6 };
    }

    /// <summary>Builds the request and checks what can be checked without the daemon.</summary>
    public static NetworkCreateRequest ParseCreate(string name, string? subnet, string? gateway, bool @internal, string[] options)
    {
        if (subnet is not null)
            Ipv4Subnet.Parse(subnet);
        if (gateway is not null)
            Ipv4Subnet.ParseAddress(gateway, $"invalid argument \"{gateway}\" for \"--gateway\" flag: invalid IP address");
        var dict = new Dictionary<string, string>();
        foreach (var o in options)
        {
            int eq = o.IndexOf('=');
            if (eq <= 0)
                throw DataplaneException.Invalid($"invalid argument \"{o}\" for \"-o, --opt\" flag: invalid key/value pair format in driver options");
            dict[o[..eq]] = o[(eq + 1)..];
        }
        return new NetworkCreateRequest(name, subnet, gateway, @internal, dict);
    }

    private static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME");
        var subnet = new Option<string[]>("--subnet") { Description = "Subnet in CIDR format (one IPv4, and with --ipv6 one IPv6)" };
        var gateway = new Option<string[]>("--gateway") { Description = "Gateway of the subnet (one per family)" };
        var ipv6 = new Option<bool>("--ipv6") { Description = "Enable IPv6 networking (dual-stack)" };
        var @internal = new Option<bool>("--internal") { Description = "Restrict external access to the network" };
        var opts = new Option<string[]>("--opt", "-o") { Description = "Driver options (icc=false, name=BRIDGE)" };
        var command = new Command("create", "Create a network") { name, subnet, gateway, @internal, opts, ipv6 };
        command.SetAction(async (parse, ct) =>
        {
            var request = ParseCreate(parse.GetValue(name)!, parse.GetValue(subnet) ?? [], parse.GetValue(gateway) ?? [],
                parse.GetValue(@internal), parse.GetValue(opts) ?? [], parse.GetValue(ipv6));
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var response = await client.CreateNetworkAsync(request, ct);
            foreach (var w in response.Warnings)
                context.Error.WriteLine(w);
            context.Out.WriteLine(response.Id);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display network IDs" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Do not truncate the output" };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" };
        var command = new Command("ls", "List networks") { quiet, noTrunc, format };
        command.Aliases.Add("list");
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var networks = await client.ListNetworksAsync(ct);
            bool truncate = !parse.GetValue(noTrunc);
            var rows = Rows(networks, truncate);
            if (parse.GetValue(quiet) && string.IsNullOrEmpty(parse.GetValue(format)))
            {
                foreach (var row in rows)
                    context.Out.WriteLine((string?)row["ID"]);
                return 0;
            }
            context.Out.Write(FormatOutput.Render(parse.GetValue(format), DefaultTable, Headers, rows));
            return 0;
        });
        return command;
    }

    /// <summary>Docker's columns (NETWORK ID, NAME, DRIVER, SCOPE) plus the subnet, which our users look for first.</summary>
    public const string DefaultTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}\t{{.Subnet}}";

    private static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["CreatedAt"] = "CREATED AT",
        ["Driver"] = "DRIVER",
        ["ID"] = "NETWORK ID",
        ["IPv6"] = "IPV6",
        ["Internal"] = "INTERNAL",
        ["Labels"] = "LABELS",
        ["Name"] = "NAME",
        ["Scope"] = "SCOPE",
        ["Subnet"] = "SUBNET",
    };

    /// <summary>docker/cli's NetworkContext fields (cli/command/formatter/network.go), all strings, and Subnet.</summary>
    public static string FormatList(IEnumerable<NetworkInfo> networks, string? format = null, bool truncate = true) =>
        FormatOutput.Render(format, DefaultTable, Headers, networks.Select(n => Row(n, truncate)));

    /// <summary>Every network by name, with the `host` and `none` modes listed as Docker lists them.</summary>
    private static List<JsonObject> Rows(IEnumerable<NetworkInfo> networks, bool truncate) =>
        [.. networks.Select(n => Row(n, truncate)).Concat(new[] { "host", "none" }.Select(m => Mode(m, truncate)))
            .OrderBy(r => (string?)r["Name"], StringComparer.Ordinal)];

    private static JsonObject Mode(string name, bool truncate) => new()
    {
        ["CreatedAt"] = "",
        ["Driver"] = name == "host" ? "host" : "null",
        ["ID"] = truncate ? Ids.Short(Ids.Predefined(name)) : Ids.Predefined(name),
        ["IPv6"] = "false",
        ["Internal"] = "false",
        ["Labels"] = "",
        ["Name"] = name,
        ["Scope"] = "local",
        ["Subnet"] = "",
    };

    private static JsonObject Row(NetworkInfo n, bool truncate) => new()
    {
        ["CreatedAt"] = DockerJson.TimeText(n.Network.Created),
        ["Driver"] = "bridge",
        ["ID"] = truncate ? Ids.Short(n.Network.Id) : n.Network.Id,
        ["IPv6"] = "false",
        ["Internal"] = n.Network.Internal ? "true" : "false",
        ["Labels"] = "",
        ["Name"] = n.Network.Name,
        ["Scope"] = "local",
        ["Subnet"] = n.Network.Subnet,
    };

    private static Command Connect(CliContext context)
    {
        var network = new Argument<string>("NETWORK");
        var container = new Argument<string>("CONTAINER");
        var alias = new Option<string[]>("--alias") { Description = "Add network-scoped alias for the container" };
        var ip = new Option<string?>("--ip") { Description = "IPv4 address (e.g., \"172.30.100.104\")" };
        var command = new Command("connect", "Connect a container to a network") { network, container, alias, ip };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            await client.ConnectAsync(parse.GetValue(network)!, new NetworkConnectRequest(parse.GetValue(container)!, parse.GetValue(alias), parse.GetValue(ip)), ct);
            return 0;
        });
        return command;
    }

    private static Command Disconnect(CliContext context)
    {
        var network = new Argument<string>("NETWORK");
        var container = new Argument<string>("CONTAINER");
        var force = new Option<bool>("--force", "-f") { Description = "Force the container to disconnect from a network" };
        var command = new Command("disconnect", "Disconnect a container from a network") { network, container, force };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            await client.DisconnectAsync(parse.GetValue(network)!, new NetworkDisconnectRequest(parse.GetValue(container)!, parse.GetValue(force)), ct);
            return 0;
        });
        return command;
    }

    /// <summary>Each network in turn, as docker network rm: one failing does not stop the others; any failure exits 1.</summary>
    private static Command Remove(CliContext context)
    {
        var names = new Argument<string[]>("NETWORK") { Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Remove one or more networks") { names };
        command.Aliases.Add("remove");
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            int rc = 0;
            foreach (var name in parse.GetValue(names)!)
            {
                try
                {
                    await client.RemoveNetworkAsync(name, ct);
                    context.Out.WriteLine(name);
                }
                catch (ApiException e)
                {
                    rc = ErrorReport.Report(context, e, "network rm");
                }
            }
            return rc;
        });
        return command;
    }
}
