using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dataplane.Cli.Parsing;

/// <summary>The use line of each command, as docker/cli prints it under a usage error ("Usage:  docker ps [OPTIONS]").</summary>
public static class Usage
{
    private static readonly Dictionary<string, string> Lines = new()
    {
        ["dataplane"] = "dataplane [OPTIONS] COMMAND",
        ["dataplane run"] = "dataplane run [OPTIONS] COMMAND [ARG...]",
        ["dataplane exec"] = "dataplane exec [OPTIONS] CONTAINER COMMAND [ARG...]",
        ["dataplane ps"] = "dataplane ps [OPTIONS]",
        ["dataplane inspect"] = "dataplane inspect [OPTIONS] NAME|ID [NAME|ID...]",
        ["dataplane logs"] = "dataplane logs [OPTIONS] CONTAINER",
        ["dataplane port"] = "dataplane port CONTAINER [PRIVATE_PORT[/PROTO]]",
        ["dataplane rm"] = "dataplane rm [OPTIONS] CONTAINER [CONTAINER...]",
        ["dataplane version"] = "dataplane version [OPTIONS]",
        ["dataplane network"] = "dataplane network COMMAND",
        ["dataplane network create"] = "dataplane network create [OPTIONS] NETWORK",
        ["dataplane network ls"] = "dataplane network ls [OPTIONS]",
        ["dataplane network inspect"] = "dataplane network inspect [OPTIONS] NETWORK [NETWORK...]",
        ["dataplane network rm"] = "dataplane network rm NETWORK [NETWORK...]",
        ["dataplane daemon"] = "dataplane daemon [OPTIONS]",
        ["dataplane demo"] = "dataplane demo [OPTIONS]",
    };

    /// <summary>"dataplane network create" for the command the parse ended in.</summary>
    public static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
                names.Insert(0, c.Parent is null ? "dataplane" : c.Command.Name);
        }
        return string.Join(' ', names);
    }

    public static string LineOf(string path) => Lines.TryGetValue(path, out var line) ? line : path + " [OPTIONS]";
}
