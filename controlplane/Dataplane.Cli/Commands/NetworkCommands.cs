using System.CommandLine;
using System.Text.Json;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Cli.Commands;

/// <summary>`dataplane network create|ls|inspect|rm`.</summary>
public static class NetworkCommands
{
    public static Command Build(CliContext context)
    {
        var network = new Command("network", "Manage networks");
        network.Add(Create(context));
        network.Add(List(context));
        network.Add(Inspect(context));
        network.Add(Remove(context));
        return network;
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
        var subnet = new Option<string?>("--subnet") { Description = "Subnet in CIDR format" };
        var gateway = new Option<string?>("--gateway") { Description = "IPv4 gateway of the subnet" };
        var @internal = new Option<bool>("--internal") { Description = "Restrict external access to the network" };
        var opts = new Option<string[]>("--opt", "-o") { Description = "Driver options (icc=false, name=BRIDGE)" };
        var command = new Command("create", "Create a network") { name, subnet, gateway, @internal, opts };
        command.SetAction(async (parse, ct) =>
        {
            var request = ParseCreate(parse.GetValue(name)!, parse.GetValue(subnet), parse.GetValue(gateway),
                parse.GetValue(@internal), parse.GetValue(opts) ?? []);
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
        var command = new Command("ls", "List networks");
        command.Aliases.Add("list");
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var networks = await client.ListNetworksAsync(ct);
            context.Out.Write(FormatList(networks));
            return 0;
        });
        return command;
    }

    /// <summary>Docker's columns (NETWORK ID, NAME, DRIVER, SCOPE) plus the subnet, which our users look for first.</summary>
    public static string FormatList(IEnumerable<NetworkInfo> networks) => TableWriter.Format(
        ["NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET"],
        networks.OrderBy(n => n.Network.Name, StringComparer.Ordinal)
            .Select(n => (IReadOnlyList<string>)[Ids.Short(n.Network.Id), n.Network.Name, "bridge", "local", n.Network.Subnet]));

    private static Command Inspect(CliContext context)
    {
        var name = new Argument<string>("NAME");
        var command = new Command("inspect", "Display detailed information on a network") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var info = await client.InspectNetworkAsync(parse.GetValue(name)!, ct);
            context.Out.WriteLine(JsonSerializer.Serialize<IReadOnlyList<NetworkInfo>>([info], ApiJsonContext.Default.IReadOnlyListNetworkInfo));
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("NAME");
        var command = new Command("rm", "Remove a network") { name };
        command.Aliases.Add("remove");
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            await client.RemoveNetworkAsync(parse.GetValue(name)!, ct);
            context.Out.WriteLine(parse.GetValue(name));
            return 0;
        });
        return command;
    }
}
