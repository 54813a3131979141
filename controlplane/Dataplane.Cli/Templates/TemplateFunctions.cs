using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Dataplane.Cli.Templates;

/// <summary>
/// The functions a docker --format template can call: Go's builtins (index, len, print, println,
/// printf, eq, ne, lt, le, gt, ge, not, and, or) and docker/cli's templates.basicFunctions
/// (json, join, lower, upper, title, split, truncate, pad).
/// </summary>
internal static class TemplateFunctions
{
    public static object? Call(string name, IReadOnlyList<object?> a) => name switch
    {
        "json" => GoValues.Json(One(name, a)),
        "index" => Index(a),
        "len" => Length(One(name, a)),
        "print" => Sprint(a),
        "println" => string.Join(' ', a.Select(GoValues.Print)) + "\n",
        "printf" => Printf(a),
        "eq" => a.Count >= 2 && a.Skip(1).Any(x => Equal(a[0], x)),
        "ne" => !Equal(Arg(a, 0), Arg(a, 1)),
        "lt" => Compare(Arg(a, 0), Arg(a, 1)) < 0,
        "le" => Compare(Arg(a, 0), Arg(a, 1)) <= 0,
        "gt" => Compare(Arg(a, 0), Arg(a, 1)) > 0,
        "ge" => Compare(Arg(a, 0), Arg(a, 1)) >= 0,
        "not" => !GoValues.Truth(One(name, a)),
        "and" => a.FirstOrDefault(x => !GoValues.Truth(x), a.Count > 0 ? a[^1] : null),
        "or" => a.FirstOrDefault(GoValues.Truth, a.Count > 0 ? a[^1] : null),
        "join" => string.Join(Text(Arg(a, 1)), Items(Arg(a, 0)).Select(GoValues.Print)),
        "lower" => Text(One(name, a)).ToLowerInvariant(),
        "upper" => Text(One(name, a)).ToUpperInvariant(),
        "title" => Title(Text(One(name, a))),
        "split" => Text(Arg(a, 0)).Split(Text(Arg(a, 1))).Cast<object?>().ToList(),
        "truncate" => Truncate(Text(Arg(a, 0)), Number(Arg(a, 1))),
        "pad" => new string(' ', Number(Arg(a, 1))) + Text(Arg(a, 0)) + new string(' ', Number(Arg(a, 2))),
        _ => throw new TemplateException($"template: function \"{name}\" not defined"),
    };

    public static bool Exists(string name) => name is "json" or "index" or "len" or "print" or "println" or "printf" or "eq" or "ne"
        or "lt" or "le" or "gt" or "ge" or "not" or "and" or "or" or "join" or "lower" or "upper" or "title" or "split" or "truncate" or "pad";

    private static object? One(string name, IReadOnlyList<object?> a) =>
        a.Count == 1 ? a[0] : throw new TemplateException($"template: wrong number of args for {name}: want 1 got {a.Count}");

    private static object? Arg(IReadOnlyList<object?> a, int i) =>
        i < a.Count ? a[i] : throw new TemplateException($"template: missing argument {i + 1}");

    private static string Text(object? value) => GoValues.Print(value);

    private static int Number(object? value) => GoValues.Normalize(value) switch
    {
        long l => (int)l,
        double d => (int)d,
        string s when int.TryParse(s, CultureInfo.InvariantCulture, out int n) => n,
        _ => throw new TemplateException("template: expected a number"),
    };

    public static IEnumerable<object?> Items(object? value) => GoValues.Normalize(value) switch
    {
        JsonArray a => a,
        JsonObject o => o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (object?)p.Value),
        IEnumerable<object?> list => list,
        null or NoValue => [],
        var other => throw new TemplateException($"template: range can't iterate over {GoValues.Print(other)}"),
    };

    /// <summary>`index .Map "key"`, `index .List 0`, chained over several keys.</summary>
    private static object? Index(IReadOnlyList<object?> a)
    {
        object? current = Arg(a, 0);
        foreach (var key in a.Skip(1))
        {
            current = (GoValues.Normalize(current), GoValues.Normalize(key)) switch
            {
                (JsonObject o, var k) => o.TryGetPropertyValue(Text(k), out var v) ? v : NoValue.Instance,
                (JsonArray arr, long i) when i >= 0 && i < arr.Count => arr[(int)i],
                (IReadOnlyList<object?> list, long i) when i >= 0 && i < list.Count => list[(int)i],
                (null or NoValue, _) => throw new TemplateException("template: index of untyped nil"),
                _ => throw new TemplateException($"template: error calling index: index out of range: {Text(key)}"),
            };
        }
        return current;
    }

    private static long Length(object? value) => GoValues.Normalize(value) switch
    {
        string s => Encoding.UTF8.GetByteCount(s),
        JsonArray a => a.Count,
        JsonObject o => o.Count,
        IEnumerable<object?> list => list.Count(),
        _ => throw new TemplateException("template: error calling len: len of untyped nil"),
    };

    /// <summary>fmt.Sprint: a space between operands when neither is a string.</summary>
    private static string Sprint(IReadOnlyList<object?> a)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < a.Count; i++)
        {
            if (i > 0 && GoValues.Normalize(a[i - 1]) is not string && GoValues.Normalize(a[i]) is not string)
                sb.Append(' ');
            sb.Append(GoValues.Print(a[i]));
        }
        return sb.ToString();
    }

    /// <summary>fmt.Sprintf with the verbs templates use: %s %v %d %q %%.</summary>
    private static string Printf(IReadOnlyList<object?> a)
    {
        string format = Text(Arg(a, 0));
        var sb = new StringBuilder();
        int next = 1;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i == format.Length - 1)
            {
                sb.Append(format[i]);
                continue;
            }
            char verb = format[++i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            object? value = next < a.Count ? a[next++] : null;
            sb.Append(verb == 'q' ? GoValues.Quote(Text(value)) : Text(value));
        }
        return sb.ToString();
    }

    private static bool Equal(object? x, object? y) => (GoValues.Normalize(x), GoValues.Normalize(y)) switch
    {
        (long l, double d) => l == d,
        (double d, long l) => l == d,
        (var p, var q) => Equals(p, q) || (p is null or NoValue && q is null or NoValue),
    };

    private static int Compare(object? x, object? y) => (GoValues.Normalize(x), GoValues.Normalize(y)) switch
    {
        (string s, string t) => string.CompareOrdinal(s, t),
        (long l, long m) => l.CompareTo(m),
        (var p, var q) => Convert.ToDouble(p, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(q, CultureInfo.InvariantCulture)),
    };

    private static string Title(string s) =>
        string.Join(' ', s.Split(' ').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>docker's truncate: the first n characters.</summary>
    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n];
}
