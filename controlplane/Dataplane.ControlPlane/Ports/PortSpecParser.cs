using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.Ports;

/// <summary>The `-p` grammar of docker/go-connections nat.ParsePortSpec, error texts included.</summary>
public static class PortSpecParser
{
    public static IReadOnlyList<PortBinding> Parse(string spec)
    {
        var bindings = new List<PortBinding>();
        Parse(spec, bindings);
        return bindings;
    }

    /// <summary>Appends the spec's bindings to <paramref name="into"/>, or nothing when it is invalid: a run's
    /// specs go into one list, with no copy of a large range.</summary>
    public static void Parse(string spec, List<PortBinding> into)
    {
        var (rawIp, hostPortText, containerText) = SplitParts(spec);
        var (protoText, containerPortText) = SplitProtoPort(containerText);

        IPAddress? hostIp = ParseHostIp(rawIp);
        if (containerPortText.Length == 0)
            throw DataplaneException.Invalid($"No port specified: {spec}<empty>");
        var container = PortRange.TryParse(containerPortText)
            ?? throw DataplaneException.Invalid($"invalid containerPort: {containerPortText}");

        PortRange? host = null;
        if (hostPortText.Length > 0)
            host = PortRange.TryParse(hostPortText) ?? throw DataplaneException.Invalid($"Invalid hostPort: {hostPortText}");

        // A host range with a single container port is the range to pick one free port from.
        if (host is { } h && h.Count != container.Count && !container.IsSingle)
            throw DataplaneException.Invalid(
                $"Invalid ranges specified for container and host Ports: {containerPortText} and {hostPortText}");

        var proto = ProtoNames.Parse(protoText);
        into.EnsureCapacity(into.Count + container.Count);
        for (int i = 0; i < container.Count; i++)
        {
            PortRange? hostPorts = host switch
            {
                null => null,
                { } hr when container.IsSingle => hr,
                { } hr => PortRange.Single(hr.Start + i),
            };
            into.Add(new PortBinding(hostIp, hostPorts, new ContainerPort(container.Start + i, proto)));
        }
    }

    /// <summary>"80/udp" -> ("udp", "80"); "80" -> ("tcp", "80"); "80/" -> ("tcp", "80").</summary>
    public static (string Proto, string Port) SplitProtoPort(string raw)
    {
        int slash = raw.IndexOf('/');
        if (slash < 0)
            return ("tcp", raw);
        string port = raw[..slash], proto = raw[(slash + 1)..];
        if (port.Length == 0)
            return ("", "");
        return (proto.Length == 0 ? "tcp" : proto, port);
    }

    private static (string Ip, string HostPort, string ContainerPort) SplitParts(string raw)
    {
        var parts = raw.Split(':');
        int n = parts.Length;
        return n switch
        {
            1 => ("", "", parts[0]),
            2 => ("", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => (string.Join(':', parts[..(n - 2)]), parts[n - 2], parts[n - 1]),
        };
    }

    private static IPAddress? ParseHostIp(string rawIp)
    {
        if (rawIp.Length == 0)
            return null;
        string ip = rawIp;
        if (ip.StartsWith('[') && ip.EndsWith(']'))
            ip = ip[1..^1];
        else if (ip.Contains(':'))
            throw DataplaneException.Invalid($"Invalid ip address {rawIp}: address {rawIp}:: too many colons in address");
        if (ip.Length == 0 || !IPAddress.TryParse(ip, out var address) || !LooksLikeLiteral(ip, address))
            throw DataplaneException.Invalid($"Invalid ip address: {ip}");
        return address;
    }

    // IPAddress.TryParse accepts "1" or "1.2" (inet_aton forms); Go's net.ParseIP does not.
    private static bool LooksLikeLiteral(string text, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3;
}
