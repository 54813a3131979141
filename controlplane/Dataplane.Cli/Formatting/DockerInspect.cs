using System.Globalization;
using System.Text.Json.Nodes;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Cli.Formatting;

/// <summary>
/// `docker inspect` and `docker network inspect` documents (Engine API v1.50 ContainerInspectResponse and
/// network.Inspect, field order as Docker writes them) built from what our API returns. Only fields we
/// know are written, plus the few whose value is fixed by what Dataplane is (no pause, no restart, one
/// local bridge driver, IPv4 only).
/// </summary>
public static class DockerInspect
{
    public static JsonObject Container(ContainerRecord c, IReadOnlyList<NetworkInfo> networks, DateTimeOffset? finishedAt = null)
    {
        string status = State(c.State);
        var network = c.Network is null ? null : networks.FirstOrDefault(n => n.Network.Name == c.Network)?.Network;
        return new JsonObject
        {
            ["Id"] = c.Id,
            ["Created"] = DockerJson.Time(c.Created),
            ["Path"] = c.Command.Count > 0 ? c.Command[0] : "",
            ["Args"] = DockerJson.Strings(c.Command.Skip(1)),
            ["State"] = new JsonObject
            {
                ["Status"] = status,
                ["Running"] = c.State == ContainerState.Running,
                ["Paused"] = false,
                ["Restarting"] = false,
                ["Dead"] = false,
                ["Pid"] = c.Pid ?? 0,
                ["ExitCode"] = c.ExitCode ?? 0,
                // A sandbox's process starts as it is created: the creation time is its start.
                ["StartedAt"] = c.State == ContainerState.Created ? DockerJson.ZeroTime : DockerJson.Time(c.Created),
                ["FinishedAt"] = finishedAt is { } f ? DockerJson.Time(f) : DockerJson.ZeroTime,
            },
            ["Name"] = "/" + c.Name,
            ["RestartCount"] = 0,
            ["HostConfig"] = new JsonObject
            {
                ["NetworkMode"] = c.NetworkMode,
                ["PortBindings"] = PortBindings(c.Ports),
                ["AutoRemove"] = c.AutoRemove,
                ["Dns"] = DockerJson.Strings(c.Dns),
                ["ExtraHosts"] = DockerJson.StringsOrNull(c.ExtraHosts),
                ["Links"] = DockerJson.StringsOrNull([.. c.Links.Select(l => $"/{l.Name}:/{c.Name}/{l.Alias}")]),
            },
            ["Config"] = Config(c),
            ["NetworkSettings"] = NetworkSettings(c, network),
        };
    }

    public static JsonObject Network(NetworkInfo info)
    {
        var n = info.Network;
        var containers = new JsonObject();
        foreach (var e in info.Containers)
        {
            containers[e.Id] = new JsonObject
            {
                ["Name"] = e.Name,
                ["EndpointID"] = "",
                ["MacAddress"] = DockerJson.Mac(e.MacAddress),
                ["IPv4Address"] = e.IpAddress is null ? "" : $"{e.IpAddress}/{PrefixLength(n.Subnet)}",
                ["IPv6Address"] = "",
            };
        }
        var options = new JsonObject();
        foreach (var (key, value) in n.Options.OrderBy(o => o.Key, StringComparer.Ordinal))
            options[key] = value;
        return new JsonObject
        {
            ["Name"] = n.Name,
            ["Id"] = n.Id,
            ["Created"] = DockerJson.Time(n.Created),
            ["Scope"] = "local",
            ["Driver"] = "bridge",
            ["EnableIPv4"] = true,
            ["EnableIPv6"] = false,
            ["IPAM"] = new JsonObject
            {
                ["Driver"] = "default",
                ["Options"] = null,
                ["Config"] = new JsonArray(new JsonObject { ["Subnet"] = n.Subnet, ["Gateway"] = n.Gateway }),
            },
            ["Internal"] = n.Internal,
            ["Attachable"] = false,
            ["Ingress"] = false,
            ["ConfigOnly"] = false,
            ["Containers"] = containers,
            ["Options"] = options,
            ["Labels"] = new JsonObject(),
        };
    }

    public static string State(ContainerState state) => state switch
    {
        ContainerState.Running => "running",
        ContainerState.Exited => "exited",
        _ => "created",
    };

    private static JsonObject Config(ContainerRecord c)
    {
        var config = new JsonObject { ["Hostname"] = c.Hostname };
        if (c.ExposedPorts.Count > 0)
        {
            var exposed = new JsonObject();
            foreach (var port in c.ExposedPorts)
                exposed[port] = new JsonObject();
            config["ExposedPorts"] = exposed;
        }
        config["Env"] = DockerJson.Strings(c.Env);
        config["Cmd"] = DockerJson.Strings(c.Command);
        return config;
    }

    /// <summary>HostConfig.PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, the bindings as made.</summary>
    private static JsonObject PortBindings(IReadOnlyList<PortMappingRecord> ports)
    {
        var bindings = new JsonObject();
        foreach (var group in ports.GroupBy(p => $"{p.ContainerPort}/{p.Proto}"))
            bindings[group.Key] = new JsonArray([.. group.Select(Binding)]);
        return bindings;
    }

    private static JsonNode Binding(PortMappingRecord p) => new JsonObject
    {
        ["HostIp"] = p.HostIp,
        ["HostPort"] = p.HostPort.ToString(CultureInfo.InvariantCulture),
    };

    private static JsonObject NetworkSettings(ContainerRecord c, NetworkRecord? network)
    {
        // Ports: every exposed port; null when it is not published (Docker's own convention).
        var ports = new JsonObject();
        foreach (var exposed in c.ExposedPorts)
            ports[exposed] = null;
        foreach (var group in c.Ports.GroupBy(p => $"{p.ContainerPort}/{p.Proto}"))
            ports[group.Key] = new JsonArray([.. group.Select(Binding)]);

        string ip = c.IpAddress ?? "";
        int prefix = network is null || c.IpAddress is null ? 0 : PrefixLength(network.Subnet);
        string gateway = network is null || c.IpAddress is null ? "" : network.Gateway;
        string mac = DockerJson.Mac(c.MacAddress);
        var networks = new JsonObject();
        if (network is not null)
        {
            networks[network.Name] = new JsonObject
            {
                ["IPAMConfig"] = null,
                ["Links"] = null,
                ["Aliases"] = null,
                ["MacAddress"] = mac,
                ["NetworkID"] = network.Id,
                ["EndpointID"] = "",
                ["Gateway"] = gateway,
                ["IPAddress"] = ip,
                ["IPPrefixLen"] = prefix,
                ["IPv6Gateway"] = "",
                ["GlobalIPv6Address"] = "",
                ["GlobalIPv6PrefixLen"] = 0,
            };
        }
        // The top-level address fields are the default bridge network's only, as in Docker.
        bool onDefault = network?.Name == NetworkRecord.DefaultName;
        return new JsonObject
        {
            ["Ports"] = ports,
            ["EndpointID"] = "",
            ["Gateway"] = onDefault ? gateway : "",
            ["GlobalIPv6Address"] = "",
            ["GlobalIPv6PrefixLen"] = 0,
            ["IPAddress"] = onDefault ? ip : "",
            ["IPPrefixLen"] = onDefault ? prefix : 0,
            ["IPv6Gateway"] = "",
            ["MacAddress"] = onDefault ? mac : "",
            ["Networks"] = networks,
        };
    }

    private static int PrefixLength(string subnet) =>
        int.TryParse(subnet.AsSpan(subnet.IndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int len) ? len : 0;
}
