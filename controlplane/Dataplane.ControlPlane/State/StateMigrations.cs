using System.Text.Json.Nodes;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.State;

/// <summary>
/// Brings a state document written by an older daemon to the current schema, as JSON, before it is
/// read: a daemon restarted over an old state keeps its containers. Newer versions are left alone
/// (the version check then refuses them).
/// </summary>
public static class StateMigrations
{
    public static JsonNode Upgrade(JsonNode document)
    {
        if (document is not JsonObject doc) return document;
        if (Version(doc) == 1)
        {
            foreach (var container in Containers(doc))
                EndpointsFromVersion1(container);
            doc["schemaVersion"] = 2;
        }
        if (Version(doc) == 2)
        {
            foreach (var container in Containers(doc))
                PortRunsFromVersion2(container);
            doc["schemaVersion"] = 3;
        }
        return document;
    }

    private static int? Version(JsonObject doc) => doc["schemaVersion"]?.GetValue<int>();

    private static IEnumerable<JsonObject> Containers(JsonObject doc) => doc["containers"]?.AsArray().OfType<JsonObject>() ?? [];

    // Version 1: one network per container, as network/ipAddress/macAddress on the container.
    private static void EndpointsFromVersion1(JsonObject container)
    {
        var network = container["network"]?.GetValue<string>();
        var endpoints = new JsonArray();
        if (network is not null)
        {
            endpoints.Add((JsonNode)new JsonObject
            {
                ["network"] = network,
                ["ipAddress"] = container["ipAddress"]?.DeepClone(),
                ["macAddress"] = container["macAddress"]?.DeepClone(),
                ["aliases"] = null,
                ["globalIPv6Address"] = null,
            });
        }
        container.Remove("network");
        container.Remove("ipAddress");
        container.Remove("macAddress");
        container["endpoints"] = endpoints;
        // Version 1 knew no start time: its process started as it was created.
        if (container["state"]?.GetValue<string>() is "Running" or "Exited")
            container["startedAt"] = container["created"]?.DeepClone();
    }

    // Version 2: one record per published port and one string per exposed port. Version 3 keeps a run
    // of them (same address and protocol, port one further each) as one record with a count, and
    // exposed runs as `FROM-TO/proto`.
    private static void PortRunsFromVersion2(JsonObject container)
    {
        var exposed = container["exposedPorts"]?.AsArray().Select(e => e?.GetValue<string>() ?? "").ToList() ?? [];
        container["exposedPorts"] = new JsonArray([.. ExposedPorts.ToRecords(ExposedPorts.FromRecords(exposed)).Select(e => (JsonNode)e)]);
        var runs = new JsonArray();
        JsonObject? run = null;
        foreach (var port in container["ports"]?.AsArray().OfType<JsonObject>().ToList() ?? [])
        {
            int count = run?["count"]?.GetValue<int>() ?? 0;
            if (run is not null && Same(run, port, "hostIp") && Same(run, port, "proto")
                && Int(port, "hostPort") == Int(run, "hostPort") + count && Int(port, "containerPort") == Int(run, "containerPort") + count)
            {
                run["count"] = count + 1;
                continue;
            }
            run = (JsonObject)port.DeepClone();
            run["count"] = 1;
            runs.Add((JsonNode)run);
        }
        container["ports"] = runs;
    }

    private static bool Same(JsonObject a, JsonObject b, string name) => a[name]?.GetValue<string>() == b[name]?.GetValue<string>();

    private static int Int(JsonObject o, string name) => o[name]?.GetValue<int>() ?? 0;
}
