using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dataplane.ControlPlane.Frontends.Cni;

namespace Dataplane.Cni;

/// <summary>One entry of runtimeConfig.portMappings, spelled as runtimes send it.</summary>
public sealed record RuntimePortMapping(
    [property: JsonPropertyName("hostPort")] int HostPort,
    [property: JsonPropertyName("containerPort")] int ContainerPort,
    [property: JsonPropertyName("protocol")] string? Protocol,
    [property: JsonPropertyName("hostIP")] string? HostIp);

public sealed record RuntimeConfig([property: JsonPropertyName("portMappings")] IReadOnlyList<RuntimePortMapping>? PortMappings);

/// <summary>An attachment the runtime still uses, as GC lists it.</summary>
public sealed record ValidAttachment(
    [property: JsonPropertyName("containerID")] string? ContainerId,
    [property: JsonPropertyName("ifname")] string? IfName);

/// <summary>
/// The plugin's configuration on stdin: the conflist's entry for dataplane-cni plus what the runtime
/// adds (name, cniVersion, prevResult, runtimeConfig). Unknown fields are ignored, as the spec allows.
/// </summary>
public sealed record NetworkConfig(
    [property: JsonPropertyName("cniVersion")] string? CniVersion,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("prevResult")] JsonElement? PrevResult,
    [property: JsonPropertyName("runtimeConfig")] RuntimeConfig? RuntimeConfig,
    [property: JsonPropertyName("masquerade")] bool? Masquerade,
    [property: JsonPropertyName("socket")] string? Socket,
    [property: JsonPropertyName("reserveHostPorts")] bool? ReserveHostPorts,
    [property: JsonPropertyName("cni.dev/valid-attachments")] IReadOnlyList<ValidAttachment>? ValidAttachments)
{
    public const string DefaultSocket = "/run/dataplane/dataplane.sock";

    public static readonly IReadOnlyList<string> SupportedVersions = ["0.4.0", "1.0.0", "1.1.0"];

    public string SocketPath => Socket ?? DefaultSocket;

    public static NetworkConfig Parse(ReadOnlySpan<byte> json)
    {
        NetworkConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, PluginJson.Default.NetworkConfig);
        }
        catch (JsonException e)
        {
            throw new CniException(CniCode.DecodeFailure, "cannot decode the network configuration on stdin: " + e.Message);
        }
        if (config is null)
            throw new CniException(CniCode.DecodeFailure, "the network configuration on stdin is empty (null)");
        config.Validate();
        return config;
    }

    private void Validate()
    {
        if (string.IsNullOrEmpty(CniVersion))
            throw new CniException(CniCode.InvalidNetworkConfig, "the network configuration has no cniVersion");
        if (!SupportedVersions.Contains(CniVersion))
            throw new CniException(CniCode.IncompatibleVersion,
                $"incompatible CNI version {CniVersion}: dataplane-cni supports {string.Join(", ", SupportedVersions)}");
        if (string.IsNullOrEmpty(Name) || !char.IsAsciiLetterOrDigit(Name[0]) || !Name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-'))
            throw new CniException(CniCode.InvalidNetworkConfig,
                $"invalid network name \"{Name}\": letters, digits, '_', '.' and '-', starting with a letter or digit");
        if (Socket is not null && !System.IO.Path.IsPathRooted(Socket))
            throw new CniException(CniCode.InvalidNetworkConfig, $"invalid socket \"{Socket}\": the daemon's socket must be an absolute path");
        _ = PortMappings();
    }

    /// <summary>The requested port mappings, checked and in the daemon's shape (protocol lower case, empty hostIP as none).</summary>
    public IReadOnlyList<CniPortMapping> PortMappings()
    {
        var result = new List<CniPortMapping>();
        foreach (var m in RuntimeConfig?.PortMappings ?? [])
        {
            if (m is null)
                throw new CniException(CniCode.InvalidNetworkConfig, "runtimeConfig.portMappings holds a null entry");
            string protocol = string.IsNullOrEmpty(m.Protocol) ? "tcp" : m.Protocol.ToLowerInvariant();
            if (protocol is not ("tcp" or "udp"))
                throw new CniException(CniCode.InvalidNetworkConfig, $"port mapping {m.HostPort}:{m.ContainerPort}: unsupported protocol \"{m.Protocol}\" (tcp or udp)");
            if (m.HostPort is < 1 or > 65535)
                throw new CniException(CniCode.InvalidNetworkConfig, $"port mapping {m.HostPort}:{m.ContainerPort}/{protocol}: hostPort must be 1-65535");
            if (m.ContainerPort is < 1 or > 65535)
                throw new CniException(CniCode.InvalidNetworkConfig, $"port mapping {m.HostPort}:{m.ContainerPort}/{protocol}: containerPort must be 1-65535");
            string? hostIp = string.IsNullOrEmpty(m.HostIp) ? null : m.HostIp;
            if (hostIp is not null && !IPAddress.TryParse(hostIp, out _))
                throw new CniException(CniCode.InvalidNetworkConfig, $"port mapping {m.HostPort}:{m.ContainerPort}/{protocol}: hostIP \"{hostIp}\" is not an IP address");
            result.Add(new CniPortMapping(m.HostPort, m.ContainerPort, protocol, hostIp));
        }
        return result;
    }
}
