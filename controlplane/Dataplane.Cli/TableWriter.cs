using System.Text;

namespace Dataplane.Cli;

/// <summary>Aligned columns as docker/cli writes them (text/tabwriter: min width 10, padding 3, last column unpadded).</summary>
public static class TableWriter
{
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count)
            .Select(i => Math.Max(10, all.Max(r => r[i].Length) + 3)).ToArray();
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
