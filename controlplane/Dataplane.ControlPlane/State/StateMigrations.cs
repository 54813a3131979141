using System.Text.Json.Nodes;

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
        if (document is JsonObject doc && doc["schemaVersion"]?.GetValue<int>() == 1)
        {
            foreach (var container in doc["containers"]?.AsArray().OfType<JsonObject>() ?? [])
                EndpointsFromVersion1(container);
            doc["schemaVersion"] = 2;
        }
        return document;
    }

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
}
