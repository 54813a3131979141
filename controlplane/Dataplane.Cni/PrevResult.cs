using System.Text.Json;
using Dataplane.ControlPlane.Frontends.Cni;

namespace Dataplane.Cni;

/// <summary>
/// The previous plugin's result: what it says about the sandbox interface (MAC, addresses) and the
/// host-side interfaces (no sandbox: the bridge and the host veth). Kept as the runtime sent it, so
/// it can be passed on unchanged.
/// </summary>
public sealed class PrevResult
{
    private readonly JsonElement _json;

    private PrevResult(JsonElement json, string containerMac, IReadOnlyList<string> hostInterfaces, IReadOnlyList<CniAddress> addresses)
    {
        _json = json;
        ContainerMac = containerMac;
        HostInterfaces = hostInterfaces;
        Addresses = addresses;
    }

    public string ContainerMac { get; }
    public IReadOnlyList<string> HostInterfaces { get; }
    public IReadOnlyList<CniAddress> Addresses { get; }

    /// <summary>Reads prevResult for the sandbox interface <paramref name="ifName"/>; a missing or unusable one is an invalid config.</summary>
    public static PrevResult From(JsonElement? prevResult, string ifName)
    {
        if (prevResult is not { ValueKind: JsonValueKind.Object } json)
            throw Invalid("there is no prevResult: dataplane-cni is a chained plugin and must follow one that creates the interface (e.g. bridge with host-local)");
        var interfaces = Array(json, "interfaces");
        var hostSide = new List<string>();
        int sandboxIndex = -1;
        string? mac = null;
        for (int i = 0; i < interfaces.Count; i++)
        {
            var nic = interfaces[i];
            string? name = Text(nic, "name");
            if (string.IsNullOrEmpty(Text(nic, "sandbox")))
            {
                if (!string.IsNullOrEmpty(name)) hostSide.Add(name);
            }
            else if (name == ifName)
            {
                sandboxIndex = i;
                mac = Text(nic, "mac");
            }
        }
        if (sandboxIndex < 0)
            throw Invalid($"prevResult lists no sandbox interface named {ifName}");
        if (string.IsNullOrEmpty(mac))
            throw Invalid($"prevResult gives no MAC address for the sandbox interface {ifName}");
        if (hostSide.Count == 0)
            throw Invalid("prevResult lists no host-side interface: dataplane-cni needs a host veth (e.g. from the bridge plugin)");

        var addresses = new List<CniAddress>();
        foreach (var ip in Array(json, "ips"))
        {
            // An address without an interface index belongs to no particular interface; take it too.
            bool ours = !ip.TryGetProperty("interface", out var index) || (index.ValueKind == JsonValueKind.Number && index.GetInt32() == sandboxIndex);
            if (ours && Text(ip, "address") is { Length: > 0 } cidr)
                addresses.Add(new CniAddress(cidr, Text(ip, "gateway")));
        }
        if (addresses.Count == 0)
            throw Invalid($"prevResult gives no IP address for the sandbox interface {ifName} (is an IPAM plugin such as host-local configured?)");
        return new PrevResult(json, mac, hostSide, addresses);
    }

    /// <summary>Writes the result unchanged except for cniVersion, which becomes the configuration's.</summary>
    public void WriteTo(Stream output, string cniVersion)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("cniVersion", cniVersion);
        foreach (var property in _json.EnumerateObject())
            if (property.Name != "cniVersion")
                property.WriteTo(w);
        w.WriteEndObject();
    }

    private static List<JsonElement> Array(JsonElement json, string name)
        => json.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()
            : [];

    private static string? Text(JsonElement json, string name)
        => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static CniException Invalid(string message) => new(CniCode.InvalidNetworkConfig, message);
}
