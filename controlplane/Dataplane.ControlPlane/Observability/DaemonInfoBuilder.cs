using System.Reflection;
using System.Runtime.InteropServices;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Model;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;

namespace Dataplane.ControlPlane.Observability;

/// <summary>`dataplane info`: versions, the kernel, what is attached where (asked of the kernel, not
/// remembered), the maps with their fill, and the options in force.</summary>
internal static class DaemonInfoBuilder
{
    public static async Task<DaemonInfo> BuildAsync(ObservabilityService s, IContainerEngine containers, NetworkNamespace ns, RtNetlink links, CancellationToken ct)
    {
        var list = await containers.ListAsync(ct);
        var o = s.Options;
        var warnings = new List<string>();
        var attachments = Attachments(s.DataPath, ns, links, o, s.Uplinks, warnings);
        var maps = s.Reader.Fill().Select(f => new MapInfo(f.Name, f.Type.ToString(), f.MaxEntries, f.Entries)).ToList();
        return new DaemonInfo(
            Version(), Environment.Version.ToString(), ReadOr("/proc/sys/kernel/osrelease", "unknown"), OsName(),
            RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(), "ebpf",
            o.SocketPath, o.StateDirectory, o.DataPath.PinDirectory, s.Uplinks,
            list.Count, list.Count(c => c.State == ContainerState.Running), s.DataPath.Maps.PortMappings().Count,
            attachments, maps, OptionsInForce(o), warnings);
    }

    private static List<ProgramAttachment> Attachments(DataPathProgram dp, NetworkNamespace ns, RtNetlink links, DaemonOptions o, IReadOnlyList<string> uplinks, List<string> warnings)
    {
        var byId = new Dictionary<uint, string>();
        foreach (var p in dp.Object.Programs)
        {
            try
            {
                byId[p.Id] = p.Name;
            }
            catch (InteropException)
            {
            }
        }
        var result = new List<ProgramAttachment>();
        foreach (var link in links.ListLinks().OrderBy(l => l.Index))
        {
            var (tc, xdp) = ns.Run(() => (Tc.Query(new TcFilter(link.Index, TcDirection.Ingress, DataPathProgram.TcHandle, DataPathProgram.TcPriority)), Xdp.Query(link.Index)));
            if (tc is { } id) result.Add(new ProgramAttachment(link.Name, link.Index, "tc-ingress", byId.GetValueOrDefault(id, "foreign"), id));
            if (xdp is { } x) result.Add(new ProgramAttachment(link.Name, link.Index, $"xdp-{x.Mode.ToString().ToLowerInvariant()}", byId.GetValueOrDefault(x.ProgramId, "foreign"), x.ProgramId));
        }
        var cgroup = o.SocketHookCgroup is null or "none" ? null : SafeCgroup(o, warnings);
        foreach (var name in DataPathProgram.SocketHooks)
            if (cgroup is not null && File.Exists(Path.Combine(o.DataPath.PinDirectory, "link_" + name)))
                result.Add(new ProgramAttachment("cgroup:" + cgroup, 0, "cgroup/" + name[3..], name, 0));
        foreach (var uplink in uplinks)
            if (!result.Any(a => a.Interface == uplink && a.Program == DataPathAbi.ProgUplinkIn))
                warnings.Add($"WARNING: uplink {uplink} has no {DataPathAbi.ProgUplinkIn} attached");
        return result;
    }

    private static string? SafeCgroup(DaemonOptions o, List<string> warnings)
    {
        try
        {
            return o.SocketHookCgroupPath();
        }
        catch (DataplaneException e)
        {
            warnings.Add(e.Message);
            return null;
        }
    }

    private static Dictionary<string, string> OptionsInForce(DaemonOptions o) => new()
    {
        ["bridge"] = o.DefaultBridgeName,
        ["bridge-subnet"] = o.DefaultBridgeSubnet,
        ["publish-all-range"] = o.PublishAllRange,
        ["netns-prefix"] = o.SandboxPrefix,
        ["socket-cgroup"] = o.SocketHookCgroup ?? "none",
        ["xdp"] = o.Xdp ? "true" : "false",
        ["conntrack-entries"] = o.DataPath.ConntrackEntries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["conntrack6-entries"] = o.DataPath.Conntrack6Entries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["masquerade-port-range"] = $"{o.DataPath.SnatPortMin}-{o.DataPath.SnatPortMax}",
        ["published-ports"] = o.DataPath.PublishedPorts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["hold-host-ports"] = o.HoldHostPorts ? "true" : "false",
        ["docker"] = o.Docker ?? "off",
        ["metrics-addr"] = o.MetricsAddress ?? "off",
    };

    private static string Version()
    {
        string v = typeof(DaemonInfoBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = v.IndexOf('+');
        return plus < 0 ? v : v[..plus];
    }

    private static string OsName()
    {
        foreach (var line in ReadOr("/etc/os-release", "").Split('\n'))
            if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) return line[12..].Trim('"');
        return "Linux";
    }

    private static string ReadOr(string path, string fallback)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}
