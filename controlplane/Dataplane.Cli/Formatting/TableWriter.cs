using System.Text;

namespace Dataplane.Cli.Formatting;

/// <summary>Aligned columns as docker/cli writes them (text/tabwriter: min width 10, padding 3, last column unpadded).</summary>
public static class TableWriter
{
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        int columns = all.Max(r => r.Count);
        var widths = Enumerable.Range(0, columns)
            .Select(i => Math.Max(10, all.Where(r => i < r.Count - 1).Select(r => r[i].Length).DefaultIfEmpty(0).Max() + 3)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in all)
        {
            for (int i = 0; i < row.Count; i++)
                sb.Append(i == row.Count - 1 ? row[i] : row[i].PadRight(widths[i]));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
