using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane logs [-f] [-t] [--since T] [--until T] [-n|--tail N] CONTAINER`: the daemon selects the
/// lines (as dockerd does); the container's stdout goes to ours and its stderr to ours.
/// --since/--until take what docker's do: RFC 3339 times, Unix seconds, or a duration back from now (10m).
/// </summary>
public static partial class LogsCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("CONTAINER");
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var since = new Option<string?>("--since") { Description = "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)" };
        var until = new Option<string?>("--until") { Description = "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)" };
        var tail = new Option<string>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default \"all\")", DefaultValueFactory = _ => "all" };
        var command = new Command("logs", "Fetch the logs of a container") { name, follow, timestamps, since, until, tail };
        command.SetAction(async (parse, ct) =>
        {
            var now = context.Now();
            var options = new LogOptions(parse.GetValue(follow), parse.GetValue(timestamps),
                ParseTime(parse.GetValue(since), now, "since"), ParseTime(parse.GetValue(until), now, "until"), LogOptions.ParseTail(parse.GetValue(tail)));
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            await using var stdout = context.OpenStdout();
            await using var stderr = context.OpenStderr();
            await client.CopyLogsAsync(parse.GetValue(name)!, options, stdout, stderr, ct);
            return 0;
        });
        return command;
    }

    /// <summary>docker/cli's timetypes.GetTimestamp: a Go duration back from now, Unix seconds, or an RFC 3339 time (UTC when it names no zone); as UTC ticks.</summary>
    public static long? ParseTime(string? text, DateTimeOffset now, string name)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (GoDuration().Match(text) is { Success: true } m)
        {
            double seconds = 0;
            foreach (Capture part in m.Groups["part"].Captures)
            {
                var unit = UnitOf().Match(part.Value);
                double value = double.Parse(part.Value[..unit.Index], CultureInfo.InvariantCulture);
                seconds += value * unit.Value switch { "h" => 3600, "m" => 60, "s" => 1, "ms" => 1e-3, "us" or "µs" => 1e-6, _ => 1e-9 };
            }
            return now.UtcTicks - (long)(seconds * TimeSpan.TicksPerSecond);
        }
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var unix))
            return DateTime.UnixEpoch.Ticks + (long)(unix * TimeSpan.TicksPerSecond);
        // .NET reads at most 7 fraction digits (ticks); logs -t prints 9.
        if (DateTimeOffset.TryParse(Fraction().Replace(text, "$1"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return at.UtcTicks;
        throw DataplaneException.Invalid($"invalid value for \"{name}\": failed to parse value as time or duration: \"{text}\"");
    }

    [GeneratedRegex(@"^(?<part>[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    private static partial Regex GoDuration();

    [GeneratedRegex(@"(\.[0-9]{7})[0-9]+")]
    private static partial Regex Fraction();

    [GeneratedRegex(@"(ns|us|µs|ms|s|m|h)$")]
    private static partial Regex UnitOf();
}
