using System.Globalization;

namespace Dataplane.ControlPlane.Ports;

/// <summary>The text of `docker port` and of the PORTS column of `docker ps`.</summary>
public static class PortFormatting
{
    /// <summary>`docker port NAME`: one line per binding, "80/tcp -> 0.0.0.0:8080", naturally sorted.</summary>
    public static IReadOnlyList<string> PortLines(IEnumerable<PublishedPort> ports) =>
        ports.Select(p => $"{p.Container} -> {p.HostEndpoint}").Order(NaturalOrder.Instance).ToList();

    /// <summary>`docker port NAME 80/tcp`: only the host endpoints, or Docker's error when there are none.</summary>
    public static IReadOnlyList<string> PortLines(IEnumerable<PublishedPort> ports, ContainerPort wanted, string containerName)
    {
        var lines = ports.Where(p => p.Container == wanted).Select(p => p.HostEndpoint).Order(NaturalOrder.Instance).ToList();
        if (lines.Count == 0)
            throw DataplaneException.NotFound($"Error: No public port '{wanted}' published for {containerName}");
        return lines;
    }

    /// <summary>
    /// The PORTS column, as docker/cli's DisplayablePorts: ports published on the same number (or only
    /// exposed) are compacted into ranges per address and protocol; other mappings are listed one by one.
    /// </summary>
    public static string PsColumn(IEnumerable<PublishedPort> published, IEnumerable<ContainerPort> exposedOnly)
    {
        var rows = published.Select(p => (Private: p.Container.Port, Ip: p.HostIp.ToString(), Public: p.HostPort, Type: p.Container.Proto.Name()))
            .Concat(exposedOnly.Select(e => (Private: e.Port, Ip: "", Public: 0, Type: e.Proto.Name())))
            .OrderBy(r => r.Private).ThenBy(r => r.Ip, StringComparer.Ordinal).ThenBy(r => r.Public).ThenBy(r => r.Type, StringComparer.Ordinal)
            .ToList();

        var groups = new Dictionary<string, (int First, int Last)>();
        var keys = new List<string>();
        var result = new List<string>();
        var hostMappings = new List<string>();
        foreach (var r in rows)
        {
            string key = r.Type;
            if (r.Ip.Length > 0)
            {
                if (r.Public != r.Private)
                {
                    hostMappings.Add(string.Create(CultureInfo.InvariantCulture, $"{JoinHostPort(r.Ip, r.Public)}->{r.Private}/{r.Type}"));
                    continue;
                }
                key = $"{r.Ip}/{r.Type}";
            }
            if (!groups.TryGetValue(key, out var g))
            {
                groups[key] = (r.Private, r.Private);
                keys.Add(key);
                continue;
            }
            if (r.Private == g.Last + 1)
            {
                groups[key] = (g.First, r.Private);
                continue;
            }
            result.Add(FormGroup(key, g.First, g.Last));
            groups[key] = (r.Private, r.Private);
        }
        result.AddRange(keys.Select(k => FormGroup(k, groups[k].First, groups[k].Last)));
        result.AddRange(hostMappings);
        return string.Join(", ", result);
    }

    private static string FormGroup(string key, int first, int last)
    {
        int slash = key.LastIndexOf('/');
        string ip = slash < 0 ? "" : key[..slash], type = slash < 0 ? key : key[(slash + 1)..];
        string group = first == last
            ? first.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{first}-{last}");
        if (ip.Length > 0)
            group = $"{ip}:{group}->{group}";
        return $"{group}/{type}";
    }

    private static string JoinHostPort(string ip, int port) => ip.Contains(':')
        ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{port}")
        : string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}");
}
