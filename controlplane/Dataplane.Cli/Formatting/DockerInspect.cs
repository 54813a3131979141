using System.Globalization;
using System.Text.Json.Nodes;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Cli.Formatting;

/// <summary>
/// `docker inspect` and `docker network inspect` documents (Engine API v1.50 ContainerInspectResponse and
/// network.Inspect, field order as Docker writes them) built from what our API returns. Only fields we
/// know are written, plus the few whose value is fixed by what Dataplane is (no pause, no restart, one
/// local bridge driver, IPv4 only).
/// </summary>
public static class DockerInspect
{
    public static JsonObject Container(ContainerRecord c, IReadOnlyList<NetworkInfo> networks)
    {
        string status = State(c.State);
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
                ["StartedAt"] = c.StartedAt is { } s ? DockerJson.Time(s) : DockerJson.ZeroTime,
                ["FinishedAt"] = c.FinishedAt is { } f && c.State != ContainerState.Running ? DockerJson.Time(f) : DockerJson.ZeroTime,
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
            ["NetworkSettings"] = NetworkSettings(c, networks),
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
            ["EnableIPv6"] = n.SubnetV6 is not null,
            ["IPAM"] = new JsonObject
            {
                ["Driver"] = "default",
                ["Options"] = null,
                ["Config"] = n.SubnetV6 is null
                    ? new JsonArray(new JsonObject { ["Subnet"] = n.Subnet, ["Gateway"] = n.Gateway })
                    : new JsonArray(new JsonObject { ["Subnet"] = n.Subnet, ["Gateway"] = n.Gateway }, new JsonObject { ["Subnet"] = n.SubnetV6, ["Gateway"] = n.GatewayV6 }),
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
            foreach (var port in ExposedPorts.FromRecords(c.ExposedPorts))
                exposed[port.ToString()] = new JsonObject();
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
        foreach (var group in ByContainerPort(ports))
            bindings[group.Key] = new JsonArray([.. group.Select(Binding)]);
        return bindings;
    }

    private static IEnumerable<IGrouping<string, PublishedPort>> ByContainerPort(IReadOnlyList<PortMappingRecord> ports)
        => PublishedPort.FromRecords(ports).GroupBy(p => $"{p.Container.Port}/{p.Proto.Name()}");

    private static JsonNode Binding(PublishedPort p) => new JsonObject
    {
        ["HostIp"] = p.HostIp.ToString(),
        ["HostPort"] = p.HostPort.ToString(CultureInfo.InvariantCulture),
    };

    private static JsonObject NetworkSettings(ContainerRecord c, IReadOnlyList<NetworkInfo> known)
    {
        // Ports: every exposed port; null when it is not published (Docker's own convention). Empty
        // while stopped: moby releases them with the endpoint.
        var ports = new JsonObject();
        foreach (var exposed in c.State == ContainerState.Running ? ExposedPorts.FromRecords(c.ExposedPorts) : [])
            ports[exposed.ToString()] = null;
        foreach (var group in ByContainerPort(c.Ports))
            ports[group.Key] = new JsonArray([.. group.Select(Binding)]);

        var networks = new JsonObject();
        JsonObject? onDefault = null;
        foreach (var e in c.Endpoints)
        {
            var entry = Endpoint(c, e, known.FirstOrDefault(n => n.Network.Name == e.Network)?.Network);
            networks[e.Network] = entry;
            if (e.Network == NetworkRecord.DefaultName) onDefault = entry;
        }
        // The top-level address fields are the default bridge network's only, as in Docker.
        return new JsonObject
        {
            ["Ports"] = ports,
            ["EndpointID"] = "",
            ["Gateway"] = onDefault?["Gateway"]?.DeepClone() ?? "",
            ["GlobalIPv6Address"] = "",
            ["GlobalIPv6PrefixLen"] = 0,
            ["IPAddress"] = onDefault?["IPAddress"]?.DeepClone() ?? "",
            ["IPPrefixLen"] = onDefault?["IPPrefixLen"]?.DeepClone() ?? 0,
            ["IPv6Gateway"] = "",
            ["MacAddress"] = onDefault?["MacAddress"]?.DeepClone() ?? "",
            ["Networks"] = networks,
        };
    }

    /// <summary>NetworkSettings.Networks.NAME. A stopped container keeps its endpoints' configuration
    /// (aliases) but, as in Docker, shows no address while it does not run.</summary>
    private static JsonObject Endpoint(ContainerRecord c, EndpointRecord e, NetworkRecord? network)
    {
        bool live = c.State == ContainerState.Running && e.IpAddress is not null;
        bool userDefined = e.Network != NetworkRecord.DefaultName;
        return new JsonObject
        {
            ["IPAMConfig"] = null,
            ["Links"] = null,
            ["Aliases"] = e.Aliases is { Count: > 0 } a ? DockerJson.Strings(a) : null,
            ["MacAddress"] = live ? DockerJson.Mac(e.MacAddress) : "",
            ["NetworkID"] = network?.Id ?? "",
            ["EndpointID"] = "",
            ["Gateway"] = live && network is not null ? network.Gateway : "",
            ["IPAddress"] = live ? e.IpAddress : "",
            ["IPPrefixLen"] = live && network is not null ? PrefixLength(network.Subnet) : 0,
            ["IPv6Gateway"] = "",
            ["GlobalIPv6Address"] = live ? e.GlobalIPv6Address ?? "" : "",
            ["GlobalIPv6PrefixLen"] = 0,
            // Names the embedded resolver answers on a user network: name, aliases, short id (Docker 25+).
            ["DNSNames"] = userDefined ? DockerJson.Strings([c.Name, .. e.Aliases ?? [], c.ShortId]) : null,
        };
    }

    private static int PrefixLength(string subnet) =>
        int.TryParse(subnet.AsSpan(subnet.IndexOf('/') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int len) ? len : 0;
}
