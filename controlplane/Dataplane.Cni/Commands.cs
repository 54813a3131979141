using System.Text.Json;
using Dataplane.ControlPlane.Frontends.Cni;

namespace Dataplane.Cni;

/// <summary>The CNI verbs. Each validates first, then makes one request to the daemon.</summary>
public static class Commands
{
    /// <summary>Adopts the host veth of prevResult and publishes the ports; passes prevResult on.</summary>
    public static void Add(CniEnvironment env, NetworkConfig config, Stream stdout)
    {
        var prev = PrevResult.From(config.PrevResult, env.IfName!);
        var request = new CniAttachRequest(env.ContainerId!, env.IfName!, config.Name!, prev.HostInterfaces, prev.ContainerMac,
            prev.Addresses, config.PortMappings(), config.Masquerade ?? false, config.ReserveHostPorts ?? true);
        var client = new DaemonClient(config.SocketPath);
        try
        {
            client.Send("POST", CniRoutes.Attachments, request, PluginJson.Default.CniAttachRequest, PluginJson.Default.CniAttachment);
        }
        catch (DaemonUnavailableException e)
        {
            throw new CniException(CniCode.TryAgainLater, e.Message + " (start `dataplane daemon`, then retry)");
        }
        prev.WriteTo(stdout, config.CniVersion!);
    }

    /// <summary>Releases the attachment. Idempotent: nothing recorded, or no daemon, is success (a daemon reconciles on start).</summary>
    public static void Del(CniEnvironment env, NetworkConfig config)
    {
        var client = new DaemonClient(config.SocketPath);
        try
        {
            client.Send("DELETE", CniRoutes.Attachment(env.ContainerId!, env.IfName!));
        }
        catch (DaemonUnavailableException)
        {
        }
    }

    /// <summary>Checks that the daemon still holds the attachment as configured: same host veth, addresses and ports.</summary>
    public static void Check(CniEnvironment env, NetworkConfig config)
    {
        var prev = PrevResult.From(config.PrevResult, env.IfName!);
        var client = new DaemonClient(config.SocketPath);
        CniAttachment held;
        try
        {
            held = client.Send("GET", CniRoutes.Attachment(env.ContainerId!, env.IfName!), PluginJson.Default.CniAttachment);
        }
        catch (DaemonUnavailableException e)
        {
            throw new CniException(CniCode.TryAgainLater, e.Message);
        }
        string who = $"container {env.ContainerId} interface {env.IfName}";
        if (!prev.HostInterfaces.Contains(held.HostVeth))
            throw Mismatch($"{who}: the daemon holds host veth {held.HostVeth}, prevResult lists {string.Join(", ", prev.HostInterfaces)}");
        if (!held.Addresses.Select(a => a.Cidr).Order().SequenceEqual(prev.Addresses.Select(a => a.Cidr).Order()))
            throw Mismatch($"{who}: the daemon holds addresses {Join(held.Addresses.Select(a => a.Cidr))}, prevResult gives {Join(prev.Addresses.Select(a => a.Cidr))}");
        var wanted = config.PortMappings();
        if (!held.PortMappings.Order(PortOrder).SequenceEqual(wanted.Order(PortOrder)))
            throw Mismatch($"{who}: the daemon publishes {Join(held.PortMappings.Select(Format))}, the configuration asks for {Join(wanted.Select(Format))}");
        if (held.Masquerade != (config.Masquerade ?? false))
            throw Mismatch($"{who}: masquerade is {held.Masquerade} in the daemon, {config.Masquerade ?? false} in the configuration");
    }

    /// <summary>Releases every attachment of this network that the runtime no longer lists.</summary>
    public static void Gc(NetworkConfig config)
    {
        RequireVersion(config, "GC");
        var valid = (config.ValidAttachments ?? [])
            .Where(a => a is { ContainerId.Length: > 0, IfName.Length: > 0 })
            .Select(a => new CniAttachmentId(a.ContainerId!, a.IfName!)).ToList();
        var client = new DaemonClient(config.SocketPath);
        try
        {
            client.Send("POST", CniRoutes.Gc, new CniGcRequest(config.Name!, valid), PluginJson.Default.CniGcRequest, PluginJson.Default.CniGcResponse);
        }
        catch (DaemonUnavailableException e)
        {
            throw new CniException(CniCode.TryAgainLater, e.Message);
        }
    }

    /// <summary>Ready when the daemon answers; otherwise the spec's "plugin not available".</summary>
    public static void Status(NetworkConfig config)
    {
        RequireVersion(config, "STATUS");
        var client = new DaemonClient(config.SocketPath);
        try
        {
            client.Send("GET", CniRoutes.Status, PluginJson.Default.CniStatusResponse);
        }
        catch (DaemonUnavailableException e)
        {
            throw new CniException(CniCode.PluginNotAvailable, e.Message);
        }
    }

    /// <summary>VERSION: the input's cniVersion (when given) and the versions this plugin speaks.</summary>
    public static void Version(ReadOnlySpan<byte> stdin, Stream stdout)
    {
        string version = "1.1.0";
        if (!stdin.Trim(" \t\r\n"u8).IsEmpty)
        {
            try
            {
                using var doc = JsonDocument.Parse(stdin.ToArray());
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("cniVersion", out var v)
                    && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } given)
                    version = given;
            }
            catch (JsonException e)
            {
                throw new CniException(CniCode.DecodeFailure, "cannot decode the VERSION input on stdin: " + e.Message);
            }
        }
        using var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("cniVersion", version);
        w.WriteStartArray("supportedVersions");
        foreach (var s in NetworkConfig.SupportedVersions) w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void RequireVersion(NetworkConfig config, string command)
    {
        if (config.CniVersion != "1.1.0")
            throw new CniException(CniCode.IncompatibleVersion, $"{command} needs cniVersion 1.1.0; the configuration says {config.CniVersion}");
    }

    private static readonly Comparer<CniPortMapping> PortOrder = Comparer<CniPortMapping>.Create((a, b) =>
        string.CompareOrdinal(Format(a), Format(b)));

    private static string Format(CniPortMapping m) => $"{m.HostIp}:{m.HostPort}->{m.ContainerPort}/{m.Protocol}";

    private static string Join(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "nothing";

    private static CniException Mismatch(string message) => new(CniCode.InvalidNetworkConfig, message);
}
