using System.CommandLine;
using System.Text.Json.Nodes;
using Dataplane.Cli.Templates;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane version` in docker version's shape (cli/command/system/version.go): the client's section,
/// then the daemon's (GET /version); a daemon that cannot be reached is reported after the client's
/// section, exit 1. `--format` runs over {"Client": {...}, "Server": {...}}.
/// </summary>
public static class VersionCommand
{
    public static Command Build(CliContext context)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json' or a Go template)" };
        var command = new Command("version", "Show the Dataplane version information") { format };
        command.SetAction(async (parse, ct) =>
        {
            var client = Client(BuildVersion.Of(typeof(VersionCommand).Assembly));
            JsonObject? server = null;
            Exception? failure = null;
            try
            {
                using var api = context.Connect(parse.GetValue(CliApp.Host));
                server = Server(await api.VersionAsync(ct));
            }
            catch (Exception e) when (e is DaemonUnreachableException or ApiException)
            {
                failure = e;
            }
            if (parse.GetValue(format) is { Length: > 0 } f)
            {
                var template = GoTemplate.Parse(f == "json" ? "{{json .}}" : f);
                context.Out.WriteLine(template.Execute(new JsonObject { ["Client"] = client, ["Server"] = server }));
            }
            else
            {
                context.Out.WriteLine("Client:");
                Print(context, client, ClientLabels, " ", 19);
                if (server is not null)
                {
                    context.Out.WriteLine();
                    context.Out.WriteLine("Server: Dataplane");
                    context.Out.WriteLine(" Engine:");
                    Print(context, server, ServerLabels, "  ", 18);
                }
            }
            if (failure is null) return 0;
            return ErrorReport.Report(context, failure, "version");
        });
        return command;
    }

    private static void Print(CliContext context, JsonObject values, (string Label, string Key)[] labels, string indent, int width)
    {
        foreach (var (label, key) in labels)
            context.Out.WriteLine($"{indent}{(label + ":").PadRight(width)}{values[key]}");
    }

    private static readonly (string Label, string Key)[] ClientLabels =
    [
        ("Version", "Version"), ("API version", "ApiVersion"), (".NET version", "DotnetVersion"), ("Git commit", "GitCommit"), ("OS/Arch", "OsArch"),
    ];

    private static readonly (string Label, string Key)[] ServerLabels =
    [
        ("Version", "Version"), ("API version", "ApiVersion"), (".NET version", "DotnetVersion"), ("Git commit", "GitCommit"), ("OS/Arch", "OsArch"),
        ("Kernel version", "KernelVersion"),
    ];

    private static JsonObject Client(VersionResponse v) => new()
    {
        ["Version"] = v.Version,
        ["ApiVersion"] = v.ApiVersion,
        ["DotnetVersion"] = v.DotnetVersion,
        ["GitCommit"] = v.GitCommit,
        ["OsArch"] = $"{v.Os}/{v.Arch}",
    };

    private static JsonObject Server(VersionResponse v) => new()
    {
        ["Version"] = v.Version,
        ["ApiVersion"] = v.ApiVersion,
        ["DotnetVersion"] = v.DotnetVersion,
        ["GitCommit"] = v.GitCommit,
        ["Os"] = v.Os,
        ["Arch"] = v.Arch,
        ["OsArch"] = $"{v.Os}/{v.Arch}",
        ["KernelVersion"] = v.KernelVersion,
    };
}
