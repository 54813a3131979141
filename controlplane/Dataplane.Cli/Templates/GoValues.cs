using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dataplane.Cli.Templates;

/// <summary>A map key that is not there: Go's templates print it as "&lt;no value&gt;".</summary>
internal sealed class NoValue
{
    public static readonly NoValue Instance = new();

    private NoValue()
    {
    }
}

/// <summary>
/// Template values as Go sees JSON decoded into interface{}: objects are maps, arrays slices, numbers,
/// strings, bools and nil; printed with fmt's %v and encoded as docker's `json` function encodes them.
/// </summary>
internal static class GoValues
{
    /// <summary>JSON as docker's `json` template function writes it: compact, HTML characters not escaped.</summary>
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON values become CLR strings, numbers and bools; objects and arrays stay nodes.</summary>
    public static object? Normalize(object? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        // Parsed JSON answers for any numeric type; values built in memory only for their own (int, long, double).
        JsonValue v when v.GetValueKind() == JsonValueKind.Number =>
            v.TryGetValue(out long l) ? l : v.TryGetValue(out int i) ? (long)i : v.TryGetValue(out double d) ? d : (object)v.ToJsonString(),
        _ => value,
    };

    /// <summary>fmt.Sprint's %v.</summary>
    public static string Print(object? value) => Normalize(value) switch
    {
        null => "<nil>",
        NoValue => "<no value>",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d == Math.Floor(d) && Math.Abs(d) < 1e21 ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
        JsonArray a => "[" + string.Join(' ', a.Select(Print)) + "]",
        JsonObject o => "map[" + string.Join(' ', o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + Print(p.Value))) + "]",
        IEnumerable<object?> list => "[" + string.Join(' ', list.Select(Print)) + "]",
        var other => other.ToString() ?? "",
    };

    public static string Json(object? value) => Normalize(value) switch
    {
        JsonNode node => node.ToJsonString(Compact),
        null or NoValue => "null",
        string s => JsonString(s),
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IEnumerable<object?> list => "[" + string.Join(',', list.Select(Json)) + "]",
        var other => JsonString(other.ToString() ?? ""),
    };

    private static string JsonString(string s)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Compact.Encoder }))
            writer.WriteStringValue(s);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Go's truth: false, 0, nil, empty strings, slices and maps are false.</summary>
    public static bool Truth(object? value) => Normalize(value) switch
    {
        null or NoValue => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        IEnumerable<object?> list => list.Any(),
        _ => true,
    };

    /// <summary>strconv.Quote: double quotes, Go escapes for control characters, printable Unicode kept.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                case < 0x20 or 0x7f: sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"); break;
                default:
                    if (Rune.IsControl(rune))
                        sb.Append(rune.Value > 0xffff ? $"\\U{rune.Value:x8}" : $"\\u{rune.Value:x4}");
                    else
                        sb.Append(rune.ToString());
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
