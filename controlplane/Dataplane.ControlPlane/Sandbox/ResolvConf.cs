using System.Net;
using System.Text;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>
/// A sandbox's /etc/resolv.conf. Without --dns, the host's file with localhost nameservers removed
/// (they are unreachable from another namespace), falling back to Google's servers as Docker does when
/// none remain. With --dns, those servers replace the host's, and the host's search and options stay.
/// </summary>
public static class ResolvConf
{
    public static readonly string[] FallbackNameservers = ["8.8.8.8", "8.8.4.4"];

    public static string Build(string hostResolvConf, IReadOnlyList<IPAddress> dns)
    {
        var lines = hostResolvConf.Split('\n');
        if (dns.Count > 0)
        {
            var sb = new StringBuilder();
            foreach (var ns in dns)
                sb.Append("nameserver ").Append(ns).Append('\n');
            foreach (var line in lines.Where(l => FirstWord(l) is "search" or "domain" or "options"))
                sb.Append(line.TrimEnd()).Append('\n');
            return sb.ToString();
        }

        var kept = new StringBuilder();
        bool anyNameserver = false;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\r');
            if (FirstWord(line) == "nameserver")
            {
                var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 2 || IsLocalhost(parts[1]))
                    continue;
                anyNameserver = true;
            }
            kept.Append(line).Append('\n');
        }
        var text = kept.ToString().TrimEnd('\n');
        text = text.Length == 0 ? "" : text + "\n";
        if (!anyNameserver)
            text += string.Concat(FallbackNameservers.Select(ns => $"nameserver {ns}\n"));
        return text;
    }

    private static string FirstWord(string line)
    {
        var t = line.TrimStart();
        int end = t.IndexOfAny([' ', '\t']);
        return end < 0 ? t : t[..end];
    }

    private static bool IsLocalhost(string address) =>
        IPAddress.TryParse(address.Split('%')[0], out var ip) && IPAddress.IsLoopback(ip);
}
