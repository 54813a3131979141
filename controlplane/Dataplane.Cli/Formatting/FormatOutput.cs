using System.Text;
using System.Text.Json.Nodes;
using Dataplane.Cli.Templates;

namespace Dataplane.Cli.Formatting;

/// <summary>
/// docker/cli's --format for lists (cli/command/formatter): empty or "table" is the command's default
/// table, "json" is `{{json .}}` per line, "table TEMPLATE" is a header line and aligned columns
/// (tabwriter: min width 10, padding 3), any other template is one line per item with tabs kept.
/// </summary>
public static class FormatOutput
{
    public static string Render(string? format, string defaultTable, IReadOnlyDictionary<string, string> headers, IEnumerable<JsonObject> rows)
    {
        string source = string.IsNullOrEmpty(format) || format == "table" ? defaultTable : format == "json" ? "{{json .}}" : format;
        bool table = source.StartsWith("table", StringComparison.Ordinal);
        if (table)
            source = source["table".Length..].TrimStart(' ');
        var template = GoTemplate.Parse(Unescape(source));
        var lines = rows.Select(r => template.Execute(r)).ToList();
        if (!table)
            return string.Concat(lines.Select(l => l + "\n"));
        var header = new JsonObject();
        foreach (var (field, name) in headers)
            header[field] = name;
        var cells = lines.Prepend(template.Execute(header)).Select(l => (IReadOnlyList<string>)l.Split('\t')).ToList();
        return TableWriter.Format(cells[0], cells.Skip(1));
    }

    /// <summary>One template over one document per line (inspect -f): the template's output and a newline.</summary>
    public static string RenderEach(string format, IEnumerable<JsonNode> items)
    {
        var template = GoTemplate.Parse(Unescape(format));
        var sb = new StringBuilder();
        foreach (var item in items)
            sb.Append(template.Execute(item)).Append('\n');
        return sb.ToString();
    }

    /// <summary>docker/cli replaces the two-character `\t` and `\n` a shell passes through with tab and newline.</summary>
    private static string Unescape(string format) => format.Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal);
}
