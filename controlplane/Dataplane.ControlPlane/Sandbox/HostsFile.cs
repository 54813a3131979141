using System.Net;
using System.Text;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>A sandbox's /etc/hosts, laid out as libnetwork's etchosts builds it.</summary>
public static class HostsFile
{
    private static readonly string[] Ipv6Defaults =
    [
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "ff00::0\tip6-mcastprefix",
        "ff02::1\tip6-allnodes",
        "ff02::2\tip6-allrouters",
    ];

    /// <param name="self">The sandbox's own address (null in none mode: no entry for itself).</param>
    public static string Build(
        string hostname,
        IPAddress? self,
        IEnumerable<HostEntry> extraHosts,
        IEnumerable<LinkedContainer> links,
        bool ipv6Defaults = true)
    {
        var sb = new StringBuilder();
        sb.Append("127.0.0.1\tlocalhost\n");
        if (ipv6Defaults)
            foreach (var line in Ipv6Defaults)
                sb.Append(line).Append('\n');
        foreach (var h in extraHosts)
            sb.Append(h.Address).Append('\t').Append(h.Name).Append('\n');
        foreach (var l in links)
            sb.Append(l.Address).Append('\t').Append(LinkNames(l)).Append('\n');
        if (self is not null)
            sb.Append(self).Append('\t').Append(hostname).Append('\n');
        return sb.ToString();
    }

    /// <summary>What Docker adds when the container joins another network: its address there, under its hostname.</summary>
    public static string WithSelf(string hosts, IPAddress address, string hostname) => $"{hosts}{address}\t{hostname}\n";

    /// <summary>What Docker takes away when it leaves one: the lines of that address.</summary>
    public static string Without(string hosts, IPAddress address)
    {
        string prefix = address + "\t";
        return string.Concat(hosts.Split('\n').SkipLast(1).Where(line => !line.StartsWith(prefix, StringComparison.Ordinal)).Select(line => line + "\n"));
    }

    /// <summary>Docker: the alias, the linked container's hostname, and its name when it differs from the alias.</summary>
    private static string LinkNames(LinkedContainer l)
    {
        var names = new List<string> { l.Alias };
        if (l.Hostname != l.Alias)
            names.Add(l.Hostname);
        if (l.Name != l.Alias)
            names.Add(l.Name);
        return string.Join(' ', names);
    }
}
