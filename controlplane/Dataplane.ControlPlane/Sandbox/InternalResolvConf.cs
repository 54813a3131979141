using System.Net;
using System.Text;
using Dataplane.ControlPlane.Dns;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>
/// A sandbox's /etc/resolv.conf on a user-defined network, as Docker writes it for its internal
/// resolver: the only nameserver is 127.0.0.11, the host's search domains and options stay, ndots:0
/// replaces any ndots (names without a dot are containers, not relative names), and comments record
/// where queries the resolver cannot answer go.
/// </summary>
public static class InternalResolvConf
{
    public static string Build(string hostResolvConf, IReadOnlyList<IPAddress> dns)
    {
        var lines = hostResolvConf.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var search = lines.Where(l => FirstWord(l) is "search" or "domain").Select(l => Words(l).Skip(1)).LastOrDefault()?.ToList() ?? [];
        var options = lines.Where(l => FirstWord(l) == "options").SelectMany(l => Words(l).Skip(1))
            .Where(o => !o.StartsWith("ndots:", StringComparison.Ordinal)).Append("ndots:0");
        var upstreams = Upstreams.For(dns.Select(d => d.ToString()).ToList(), hostResolvConf);

        var sb = new StringBuilder();
        sb.Append("nameserver ").Append(EmbeddedResolver.Address).Append('\n');
        if (search.Count > 0) sb.Append("search ").AppendJoin(' ', search).Append('\n');
        sb.Append("options ").AppendJoin(' ', options).Append('\n');
        sb.Append("\n# Based on host file: '/etc/resolv.conf' (internal resolver)\n");
        sb.Append("# ExtServers: [").AppendJoin(' ', upstreams).Append("]\n");
        sb.Append("# Overrides: [").Append(dns.Count > 0 ? "nameservers" : "").Append("]\n");
        sb.Append("# Option ndots from: internal\n");
        return sb.ToString();
    }

    private static string[] Words(string line) => line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static string FirstWord(string line) => Words(line).FirstOrDefault() ?? "";
}
