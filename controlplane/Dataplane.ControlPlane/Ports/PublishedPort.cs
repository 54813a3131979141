using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// A published port: (host address, proto, host port) -> container port, as one shape from the
/// engine to the data path's maps. HostIp 0.0.0.0 (or ::) means every address of that family.
/// A value, not an object: a 50,000-port range is not 50,000 objects for the collector to trace.
/// </summary>
public readonly record struct PublishedPort(IPAddress HostIp, int HostPort, ContainerPort Container)
{
    public AddressFamily Family => HostIp.AddressFamily;

    public Proto Proto => Container.Proto;

    public bool OnEveryAddress => HostIp.Equals(IPAddress.Any) || HostIp.Equals(IPAddress.IPv6Any);

    public string HostEndpoint => Family == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{HostIp}]:{HostPort}")
        : string.Create(CultureInfo.InvariantCulture, $"{HostIp}:{HostPort}");

    // The persisted and API form (Docker's text forms, runs of ports) and back: the only conversion
    // between them. Runs keep the ports' order, so the round trip gives back the same list.

    /// <summary>Ports in order, each run of them that continues the one before (same address and protocol,
    /// host and container port one further) as one record.</summary>
    public static List<PortMappingRecord> ToRecords(IEnumerable<PublishedPort> ports)
    {
        var records = new List<PortMappingRecord>();
        PublishedPort? last = null;
        foreach (var p in ports)
        {
            if (last is { } before && p.Continues(before))
                records[^1] = records[^1] with { Count = records[^1].Count + 1 };
            else
                records.Add(new(p.HostIp.ToString(), p.HostPort, p.Container.Port, p.Proto.Name()));
            last = p;
        }
        return records;
    }

    public static IEnumerable<PublishedPort> FromRecords(IEnumerable<PortMappingRecord> records)
    {
        foreach (var r in records)
        {
            var (ip, proto) = (IPAddress.Parse(r.HostIp), ProtoNames.Parse(r.Proto));
            for (int i = 0; i < r.Count; i++)
                yield return new(ip, r.HostPort + i, new ContainerPort(r.ContainerPort + i, proto));
        }
    }

    private bool Continues(PublishedPort before) => HostPort == before.HostPort + 1 && Container.Port == before.Container.Port + 1
        && Proto == before.Proto && HostIp.Equals(before.HostIp);
}
