using System.Globalization;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Host;

/// <summary>
/// Keeps the kernel from picking a published port as an ephemeral local port in the managed namespace
/// (a connect, or a bind to port 0: a reply to it would be taken for the published port), as a socket
/// held on the port did: net.ipv4.ip_local_reserved_ports lists the published ports together with
/// the operator's own, which are read once and always kept.
/// </summary>
public sealed class EphemeralPortReservation(NetworkNamespace ns)
{
    private const string Key = "net.ipv4.ip_local_reserved_ports";
    private HashSet<int>? _operators;

    /// <summary>Sets the reserved ports to <paramref name="published"/> and the operator's. The first call
    /// takes what is reserved then, minus the ports published at that point (a restarted daemon's own), as
    /// the operator's.</summary>
    public void Set(IReadOnlyCollection<int> published)
    {
        _operators ??= [.. Parse(Sysctl.Read(ns, Key)).Except(published)];
        Sysctl.Write(ns, Key, Format(_operators.Concat(published)));
    }

    /// <summary>"1000-1002,8080" -> 1000, 1001, 1002, 8080.</summary>
    public static IEnumerable<int> Parse(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .SelectMany(part => part.Split('-') is [var from, var to]
            ? Enumerable.Range(int.Parse(from, CultureInfo.InvariantCulture), int.Parse(to, CultureInfo.InvariantCulture) - int.Parse(from, CultureInfo.InvariantCulture) + 1)
            : [int.Parse(part, CultureInfo.InvariantCulture)]);

    /// <summary>Ports as the kernel's list: ascending, runs as FROM-TO; an empty list clears it.</summary>
    public static string Format(IEnumerable<int> ports)
    {
        var sorted = ports.ToArray();
        Array.Sort(sorted);
        var parts = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] <= sorted[j] + 1) j++; // a repeat continues the run
            parts.Add(sorted[i] == sorted[j] ? sorted[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }
        return parts.Count == 0 ? "\n" : string.Join(',', parts);
    }
}
