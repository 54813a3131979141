using System.Globalization;
using System.Text.Json.Nodes;

namespace Dataplane.Cli.Formatting;

/// <summary>Values written the way Docker's Go structs marshal them.</summary>
public static class DockerJson
{
    /// <summary>Go's zero time.Time, which Docker writes for a time it does not know (FinishedAt of a running container).</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";

    /// <summary>RFC 3339 with nanoseconds, trailing zeros trimmed (Go's time.RFC3339Nano), in UTC.</summary>
    public static string Time(DateTimeOffset t)
    {
        var utc = t.UtcDateTime;
        string fraction = utc.ToString("fffffff", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }

    /// <summary>Go's time.Time.String() in UTC, as docker ps --format {{.CreatedAt}} prints it.</summary>
    public static string TimeText(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " +0000 UTC";

    /// <summary>`02:42:c6:12:dd:02` from any spelling of a MAC (our records keep `0242C612DD02`).</summary>
    public static string Mac(string? mac)
    {
        if (string.IsNullOrEmpty(mac))
            return "";
        var hex = new string(mac.Where(char.IsAsciiHexDigit).ToArray()).ToLowerInvariant();
        return hex.Length == 12 ? string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2))) : mac;
    }

    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>Go marshals a nil slice as null and an empty one as []: Docker has both, field by field.</summary>
    public static JsonNode? StringsOrNull(IReadOnlyCollection<string> values) => values.Count == 0 ? null : Strings(values);
}
