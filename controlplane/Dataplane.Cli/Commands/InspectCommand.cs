using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dataplane.Cli.Formatting;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane inspect` (containers, then networks, by name or ID) and `network inspect`: Docker's JSON
/// (an indented array) or `-f/--format TEMPLATE` per object; a missing one is reported after the others,
/// with exit 1, as docker/cli does.
/// </summary>
public static class InspectCommand
{
    /// <summary>Indented by four spaces like docker's json.Indent; HTML characters and non-ASCII text kept as they are.</summary>
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 4, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build(CliContext context)
    {
        var names = new Argument<string[]>("NAME") { Arity = ArgumentArity.OneOrMore };
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json' or a Go template)" };
        var command = new Command("inspect", "Return low-level information on containers and networks") { names, format };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var networks = await client.ListNetworksAsync(ct);
            return await WriteAsync(context, parse.GetValue(format), parse.GetValue(names)!, async name =>
            {
                try
                {
                    return DockerInspect.Container(await client.InspectContainerAsync(name, ct), networks);
                }
                catch (ApiException e) when (e.StatusCode == 404)
                {
                    var network = networks.FirstOrDefault(n => n.Network.Name == name || n.Network.Id.StartsWith(name, StringComparison.Ordinal));
                    return network is null ? null : DockerInspect.Network(network);
                }
            }, "object");
        });
        return command;
    }

    public static Command BuildNetwork(CliContext context)
    {
        var names = new Argument<string[]>("NETWORK") { Arity = ArgumentArity.OneOrMore };
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json' or a Go template)" };
        var command = new Command("inspect", "Display detailed information on one or more networks") { names, format };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            return await WriteAsync(context, parse.GetValue(format), parse.GetValue(names)!, async name =>
            {
                try
                {
                    return DockerInspect.Network(await client.InspectNetworkAsync(name, ct));
                }
                catch (ApiException e) when (e.StatusCode == 404)
                {
                    return null;
                }
            }, "network");
        });
        return command;
    }

    /// <summary>Everything found is printed; then "Error: No such KIND: NAME" for each one that was not (exit 1).</summary>
    private static async Task<int> WriteAsync(CliContext context, string? format, string[] names, Func<string, Task<JsonObject?>> find, string kind)
    {
        var found = new List<JsonNode>();
        var missing = new List<string>();
        foreach (var name in names)
        {
            if (await find(name) is { } document)
                found.Add(document);
            else
                missing.Add(name);
        }
        if (string.IsNullOrEmpty(format))
            context.Out.WriteLine(found.Count == 0 ? "[]" : new JsonArray([.. found]).ToJsonString(Indented));
        else
            context.Out.Write(Formatting.FormatOutput.RenderEach(format == "json" ? "{{json .}}" : format, found));
        foreach (var name in missing)
            context.Error.WriteLine($"Error: No such {kind}: {name}");
        return missing.Count == 0 ? 0 : ExitCodes.Error;
    }
}
