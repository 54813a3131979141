using System.Net;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>The three private files of a sandbox plus the environment of its command.</summary>
public sealed record SandboxFileSet(string Hosts, string ResolvConf, string Hostname, IReadOnlyList<string> Env);

/// <summary>Composes a sandbox's files from a validated run plan, per network mode, as Docker does.</summary>
public static class SandboxFiles
{
    /// <param name="plan">The validated request.</param>
    /// <param name="name">The container's name (for link variables).</param>
    /// <param name="hostname">-h, or the short container id.</param>
    /// <param name="address">The sandbox's IPv4 address (bridge mode only).</param>
    /// <param name="hostHosts">The host's /etc/hosts (host mode uses it as it is).</param>
    /// <param name="hostResolvConf">The host's /etc/resolv.conf.</param>
    public static SandboxFileSet Build(RunPlan plan, string name, string hostname, IPAddress? address, string hostHosts, string hostResolvConf)
    {
        var run = plan.Run;
        var links = plan.Linked.Zip(run.Links, (c, l) => new LinkedContainer(c.Name, l.Alias, c.Hostname,
            IPAddress.Parse(c.IpAddress ?? throw DataplaneException.Conflict($"linked container {c.Name} has no IP address")),
            ExposedPorts.FromRecords(c.ExposedPorts).ToList(), c.Env)).ToList();
        var env = links.SelectMany(l => LinkEnvironment.Build(name, l)).Concat(run.Env).ToList();
        string hosts = run.Mode.Kind switch
        {
            NetworkModeKind.Host => hostHosts + string.Concat(run.ExtraHosts.Select(h => $"{h.Address}\t{h.Name}\n")), // the host's copy, --add-host appended
            NetworkModeKind.None => HostsFile.Build(hostname, null, run.ExtraHosts, [], ipv6Defaults: false),
            _ => HostsFile.Build(hostname, address, run.ExtraHosts, links),
        };
        // User-defined networks get Docker's embedded resolver; the default bridge, none and host keep the legacy file.
        bool embeddedDns = run.Mode.Kind == NetworkModeKind.Bridge && plan.Network is { Name: not NetworkRecord.DefaultName };
        var resolvConf = embeddedDns ? InternalResolvConf.Build(hostResolvConf, run.Dns) : ResolvConf.Build(hostResolvConf, run.Dns);
        return new SandboxFileSet(hosts, resolvConf, HostnameFile.Build(hostname), env);
    }
}
