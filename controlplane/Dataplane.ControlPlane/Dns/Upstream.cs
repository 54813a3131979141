using System.Net;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// A server the embedded resolver forwards to. A loopback one (systemd-resolved's 127.0.0.53, a
/// --dns 127.0.0.1) is the host's own: it is reached from the daemon's namespace, every other server
/// from the sandbox's, so forwarded queries take the container's egress path, as in Docker.
/// </summary>
public sealed record Upstream(IPAddress Address)
{
    public bool HostLoopback => IPAddress.IsLoopback(Address);

    public override string ToString() => HostLoopback ? $"host({Address})" : Address.ToString();
}

/// <summary>Which servers a sandbox's queries go to: its --dns servers, else the host's resolv.conf
/// read when the container starts, else Google's, at most three (Docker's maxExtDNS).</summary>
public static class Upstreams
{
    public const int Max = 3;
    public static readonly IReadOnlyList<IPAddress> Fallback = [IPAddress.Parse("8.8.8.8"), IPAddress.Parse("8.8.4.4")];

    public static IReadOnlyList<Upstream> For(IReadOnlyList<string> dns, string hostResolvConf)
    {
        var chosen = dns.Count > 0 ? dns.Select(Parse).OfType<IPAddress>().ToList() : HostNameservers(hostResolvConf);
        if (chosen.Count == 0) chosen = [.. Fallback];
        return chosen.Take(Max).Select(a => new Upstream(a)).ToList();
    }

    /// <summary>The nameserver lines of a resolv.conf, loopback ones included (they are the host's).</summary>
    public static List<IPAddress> HostNameservers(string resolvConf) =>
        resolvConf.Split('\n')
            .Select(l => l.Split((char[])[' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length >= 2 && w[0] == "nameserver")
            .Select(w => Parse(w[1])).OfType<IPAddress>().ToList();

    // A zone index (fe80::1%eth0) names an interface of the host; the address alone is what is forwarded to.
    private static IPAddress? Parse(string text) => IPAddress.TryParse(text.Split('%')[0], out var ip) ? ip : null;
}
