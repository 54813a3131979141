using Docker.DotNet.Models;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>
/// Refuses to double-NAT. Docker mode needs dockerd with its own NAT and proxy off (the daemon.json
/// lines in <see cref="DaemonJsonFix"/>). What is checked, reading only the API and /proc:
/// <list type="bullet">
/// <item>NAT: dockerd turns masquerade off on its default bridge whenever its NAT is off, so docker0
/// reporting com.docker.network.bridge.enable_ip_masquerade=true means dockerd writes NAT rules.</item>
/// <item>userland-proxy: a docker-proxy process in the Docker host's network namespace (/proc).</item>
/// </list>
/// </summary>
public static class DockerSafety
{
    public const string DaemonJsonFix = "set \"iptables\": false, \"ip6tables\": false and \"userland-proxy\": false in /etc/docker/daemon.json, restart dockerd";

    /// <summary>Null when the engine is fit for Docker mode, else the error to show.</summary>
    public static string? Check(IEnumerable<NetworkResponse> networks, IEnumerable<int> dockerProxyPids)
    {
        var defaultBridge = networks.FirstOrDefault(DockerNetworks.IsDefaultBridge);
        if (defaultBridge?.Options is { } o && DockerNetworks.Flag(o, DockerNetworks.MasqueradeOption, false))
            return $"dockerd programs iptables NAT (its default bridge {defaultBridge.Name} has ip masquerade on, which dockerd only does with iptables enabled); " +
                $"Dataplane will not NAT twice: {DaemonJsonFix}";
        var proxies = dockerProxyPids.ToList();
        if (proxies.Count > 0)
            return $"dockerd runs docker-proxy for published ports (pid {string.Join(", ", proxies)}); Dataplane will not proxy twice: {DaemonJsonFix}";
        return null;
    }

    /// <summary>docker-proxy processes whose network namespace is <paramref name="netnsInode"/> (the Docker host's).</summary>
    public static IEnumerable<int> DockerProxies(ulong netnsInode)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string? comm;
            ulong? inode;
            try
            {
                comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                if (comm != "docker-proxy") continue;
                inode = NetnsInode(Path.Combine(dir, "ns/net"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile
            }
            if (inode == netnsInode) yield return pid;
        }
    }

    /// <summary>The inode in a namespace link ("net:[4026531840]"); null when unreadable.</summary>
    public static ulong? NetnsInode(string link)
    {
        var target = new FileInfo(link).LinkTarget;
        return target is not null && target.StartsWith("net:[", StringComparison.Ordinal) && ulong.TryParse(target.AsSpan(5, target.Length - 6), out var inode) ? inode : null;
    }
}
