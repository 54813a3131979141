using System.Globalization;

namespace Dataplane.Cli.Formatting;

/// <summary>docker/go-units HumanDuration ("Up 5 minutes", "Exited (3) 1 second ago") and the state text moby derives from it.</summary>
public static class HumanDuration
{
    public static string Of(TimeSpan d)
    {
        int seconds = (int)d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        int minutes = (int)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        int hours = (int)(d.TotalHours + 0.5);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(int)d.TotalHours / 24 / 365} years";
    }

    /// <summary>moby container/state.go String(): "Up X", "Exited (N) X ago", "Created".</summary>
    public static string Status(string state, int? exitCode, DateTimeOffset startedAt, DateTimeOffset? finishedAt, DateTimeOffset now) => state switch
    {
        "running" => "Up " + Of(now - startedAt),
        "exited" when finishedAt is { } f => string.Create(CultureInfo.InvariantCulture, $"Exited ({exitCode ?? 0}) {Of(now - f)} ago"),
        "exited" => string.Create(CultureInfo.InvariantCulture, $"Exited ({exitCode ?? 0})"),
        _ => "Created",
    };
}
