using System.CommandLine;
using System.Text.RegularExpressions;
using Dataplane.Cli.Formatting;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Cli.Commands;

/// <summary>`dataplane ps`: docker ps's options (-a -q -l -n --no-trunc --format --filter name=/status=/network=/id=).</summary>
public static class PsCommand
{
    private static readonly string[] FilterKeys = ["id", "name", "network", "status"];
    private static readonly string[] States = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

    public static Command Build(CliContext context)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display container IDs" };
        var latest = new Option<bool>("--latest", "-l") { Description = "Show the latest created container (includes all states)" };
        var last = new Option<int>("--last", "-n") { Description = "Show n last created containers (includes all states)", DefaultValueFactory = _ => -1 };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Filter output based on conditions provided (id=, name=, network=, status=)" };
        var command = new Command("ps", "List containers") { all, quiet, latest, last, noTrunc, format, filter };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            var filters = ParseFilters(parse.GetValue(filter) ?? []);
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var containers = await client.ListContainersAsync(ct);
            int n = parse.GetValue(latest) ? 1 : parse.GetValue(last);
            var selected = Select(containers, parse.GetValue(all) || n > 0, n, filters);
            bool truncate = !parse.GetValue(noTrunc);
            if (parse.GetValue(quiet) && string.IsNullOrEmpty(parse.GetValue(format)))
            {
                foreach (var c in selected)
                    context.Out.WriteLine(truncate ? c.ShortId : c.Id);
                return 0;
            }
            var now = context.Now();
            context.Out.Write(FormatOutput.Render(parse.GetValue(format), ContainerRows.DefaultTable, ContainerRows.Headers,
                selected.Select(c => ContainerRows.Row(c, truncate, now))));
            return 0;
        });
        return command;
    }

    /// <summary>Newest first; running only unless all; the last n created; then every filter key must match one of its values.</summary>
    public static IReadOnlyList<ContainerRecord> Select(IEnumerable<ContainerRecord> containers, bool all, int last, ILookup<string, string> filters)
    {
        var list = containers.OrderByDescending(c => c.Created).Where(c => all || c.State == ContainerState.Running);
        if (last > 0)
            list = list.Take(last);
        return list.Where(c => filters.All(f => f.Any(value => Matches(c, f.Key, value)))).ToList();
    }

    /// <summary>docker's filter syntax, checked before the daemon is asked (moby's errors, worded the same).</summary>
    public static ILookup<string, string> ParseFilters(IEnumerable<string> filters)
    {
        var pairs = new List<(string Key, string Value)>();
        foreach (var f in filters)
        {
            int eq = f.IndexOf('=');
            if (eq <= 0)
                throw DataplaneException.Invalid($"invalid argument \"{f}\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
            string key = f[..eq].Trim().ToLowerInvariant();
            string value = f[(eq + 1)..].Trim();
            if (!FilterKeys.Contains(key))
                throw new DataplaneException(ErrorKind.InvalidArgument, $"Error response from daemon: invalid filter '{key}'");
            if (key == "status" && !States.Contains(value))
                throw new DataplaneException(ErrorKind.InvalidArgument, $"Error response from daemon: invalid filter 'status={value}'");
            pairs.Add((key, value));
        }
        return pairs.ToLookup(p => p.Key, p => p.Value);
    }

    private static bool Matches(ContainerRecord c, string key, string value) => key switch
    {
        "id" => c.Id.StartsWith(value, StringComparison.Ordinal),
        // moby matches names as a regular expression against "/name".
        "name" => Regex.IsMatch("/" + c.Name, value, RegexOptions.None, TimeSpan.FromSeconds(1)),
        "network" => c.EndpointOn(value) is not null || (c.Endpoints.Count == 0 && c.NetworkMode == value),
        "status" => DockerInspect.State(c.State) == value,
        _ => false,
    };
}
