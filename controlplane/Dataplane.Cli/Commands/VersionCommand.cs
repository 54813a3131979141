using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Dataplane.Cli.Templates;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane version` in docker version's shape (cli/command/system/version.go): the client's section,
/// or `--format` over {"Client": {...}}. The daemon's section needs a version route the API does not have yet.
/// </summary>
public static class VersionCommand
{
    public static Command Build(CliContext context)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json' or a Go template)" };
        var command = new Command("version", "Show the Dataplane version information") { format };
        command.SetAction(parse =>
        {
            var client = Client();
            if (parse.GetValue(format) is { Length: > 0 } f)
            {
                var template = GoTemplate.Parse(f == "json" ? "{{json .}}" : f);
                context.Out.WriteLine(template.Execute(new JsonObject { ["Client"] = client }));
                return 0;
            }
            context.Out.WriteLine("Client:");
            foreach (var (label, key) in Labels)
                context.Out.WriteLine($" {label + ":",-19}{client[key]}");
            return 0;
        });
        return command;
    }

    private static readonly (string Label, string Key)[] Labels =
    [
        ("Version", "Version"), ("API version", "ApiVersion"), (".NET version", "DotnetVersion"), ("Git commit", "GitCommit"), ("OS/Arch", "OsArch"),
    ];

    private static JsonObject Client()
    {
        string informational = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = informational.IndexOf('+');
        return new JsonObject
        {
            ["Version"] = plus < 0 ? informational : informational[..plus],
            ["ApiVersion"] = "1",
            ["DotnetVersion"] = Environment.Version.ToString(),
            ["GitCommit"] = plus < 0 ? "unknown" : informational[(plus + 1)..][..Math.Min(7, informational.Length - plus - 1)],
            ["OsArch"] = $"linux/{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant().Replace("x64", "amd64", StringComparison.Ordinal)}",
        };
    }
}
