using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dataplane.Cli.Templates;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>`dataplane info [--format TEMPLATE|json]`: the daemon's versions, kernel, what is attached to
/// which interface and hook, the maps and their fill, the options in force (docker info's shape).</summary>
public static class InfoCommand
{
    public static Command Build(CliContext context)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json' or a Go template)" };
        var command = new Command("info", "Display system-wide information") { format };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var info = await client.InfoAsync(ct);
            if (parse.GetValue(format) is { Length: > 0 } f)
            {
                var node = JsonNode.Parse(JsonSerializer.Serialize(info, ApiJsonContext.Default.DaemonInfo))!;
                context.Out.WriteLine(GoTemplate.Parse(f == "json" ? "{{json .}}" : f).Execute(Pascal(node)));
                return 0;
            }
            Write(context.Out, info);
            return 0;
        });
        return command;
    }

    public static void Write(TextWriter o, DaemonInfo i)
    {
        o.WriteLine("Server:");
        o.WriteLine($" Containers: {i.Containers}");
        o.WriteLine($"  Running: {i.ContainersRunning}");
        o.WriteLine($"  Stopped: {i.Containers - i.ContainersRunning}");
        o.WriteLine($" Published Ports: {i.PublishedPorts}");
        o.WriteLine($" Server Version: {i.ServerVersion}");
        o.WriteLine($" .NET Version: {i.DotnetVersion}");
        o.WriteLine($" Kernel Version: {i.KernelVersion}");
        o.WriteLine($" Operating System: {i.OperatingSystem}");
        o.WriteLine($" Architecture: {i.Architecture}");
        o.WriteLine($" Firewall Backend: {i.FirewallBackend}");
        o.WriteLine($" API Socket: {i.SocketPath}");
        o.WriteLine($" Dataplane Root Dir: {i.StateDirectory}");
        o.WriteLine($" BPF Pin Dir: {i.PinDirectory}");
        o.WriteLine($" Uplinks: {string.Join(", ", i.Uplinks)}");
        o.WriteLine(" Attached Programs:");
        foreach (var a in i.Attachments)
            o.WriteLine($"  {a.Interface}: {a.Hook} {a.Program}{(a.ProgramId != 0 ? $" (id {a.ProgramId})" : "")}");
        o.WriteLine(" BPF Maps:");
        foreach (var m in i.Maps)
            o.WriteLine(m.Entries is { } n
                ? $"  {m.Name}: {n}/{m.MaxEntries} ({(m.MaxEntries > 0 ? 100.0 * n / m.MaxEntries : 0):0.#}%) {m.Type}"
                : $"  {m.Name}: {m.MaxEntries} {m.Type}");
        o.WriteLine(" Options:");
        foreach (var (k, v) in i.Options.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            o.WriteLine($"  {k}: {v}");
        foreach (var w in i.Warnings) o.WriteLine(w);
    }

    /// <summary>Docker's templates name fields in PascalCase ({{.ServerVersion}}); the wire is camelCase.</summary>
    private static JsonNode? Pascal(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(kv => KeyValuePair.Create(char.ToUpperInvariant(kv.Key[0]) + kv.Key[1..], Pascal(kv.Value?.DeepClone())))),
        JsonArray arr => new JsonArray(arr.Select(n => Pascal(n?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };
}
