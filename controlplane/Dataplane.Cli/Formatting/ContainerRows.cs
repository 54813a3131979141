using System.Text.Json.Nodes;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Cli.Formatting;

/// <summary>
/// `ps` rows as docker/cli's ContainerContext presents them (cli/command/formatter/container.go), minus
/// IMAGE (a sandbox runs a host command, there is no image) and plus IPAddress, the README's promise of
/// network and address at a glance.
/// </summary>
public static class ContainerRows
{
    public const string DefaultTable = "table {{.ID}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Networks}}\t{{.IPAddress}}\t{{.Ports}}\t{{.Names}}";

    public static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["Command"] = "COMMAND",
        ["CreatedAt"] = "CREATED AT",
        ["ID"] = "CONTAINER ID",
        ["IPAddress"] = "IP ADDRESS",
        ["Labels"] = "LABELS",
        ["Mounts"] = "MOUNTS",
        ["Names"] = "NAMES",
        ["Networks"] = "NETWORKS",
        ["Ports"] = "PORTS",
        ["RunningFor"] = "CREATED",
        ["State"] = "STATE",
        ["Status"] = "STATUS",
    };

    /// <summary>One row, keys in the order `{{json .}}` writes them (Go sorts map keys).</summary>
    public static JsonObject Row(ContainerRecord c, bool truncate, DateTimeOffset now) => new()
    {
        ["Command"] = Command(c.Command, truncate),
        ["CreatedAt"] = DockerJson.TimeText(c.Created),
        ["ID"] = truncate ? c.ShortId : c.Id,
        ["IPAddress"] = c.IpAddress ?? "",
        ["Labels"] = "",
        ["Mounts"] = "",
        ["Names"] = c.Name,
        ["Networks"] = c.Endpoints.Count > 0 ? string.Join(',', c.Endpoints.Select(e => e.Network)) : (c.NetworkMode is "host" or "none" ? c.NetworkMode : ""),
        ["Ports"] = Ports(c),
        ["RunningFor"] = HumanDuration.Of(now - c.Created) + " ago",
        ["State"] = DockerInspect.State(c.State),
        ["Status"] = HumanDuration.Status(DockerInspect.State(c.State), c.ExitCode, c.StartedAt ?? c.Created, c.FinishedAt, now),
    };

    /// <summary>strconv.Quote of the command line, cut to 20 characters with an ellipsis unless --no-trunc.</summary>
    public static string Command(IReadOnlyList<string> command, bool truncate)
    {
        var text = string.Join(' ', command);
        if (truncate && text.Length > 20)
            text = text[..19] + "…";
        return Templates.GoValues.Quote(text);
    }

    private static string Ports(ContainerRecord c)
    {
        if (c.State != ContainerState.Running) return ""; // moby releases a stopped container's ports, exposed ones included
        var published = PublishedPort.FromRecords(c.Ports).ToList();
        var bound = published.Select(p => p.Container).ToHashSet();
        var exposedOnly = ExposedPorts.FromRecords(c.ExposedPorts).Where(e => !bound.Contains(e)).ToList();
        return PortFormatting.PsColumn(published, exposedOnly);
    }
}
