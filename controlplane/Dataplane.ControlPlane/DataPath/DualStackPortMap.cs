using System.Net.Sockets;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>The published-port map of both families as the PortPublisher sees one: IPv4 mappings go to
/// dp_portmap (<see cref="DataPathMaps"/>), IPv6 ones to dp_portmap6 (<see cref="DataPathMaps6"/>); the
/// mapping ids and their counters are one space. Adding is all or nothing across both.</summary>
public sealed class DualStackPortMap(DataPathMaps v4, DataPathMaps6 v6) : IPortMap
{
    public uint MappingIdLimit => v4.MappingIdLimit;

    public void AddPortMappings(IReadOnlyList<PortMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var (ipv4, ipv6) = ByFamily(mappings);
        if (ipv4.Count > 0) v4.AddPortMappings(ipv4);
        try
        {
            if (ipv6.Count > 0) v6.AddPortMappings(ipv6); // all or nothing itself
        }
        catch
        {
            if (ipv4.Count > 0) v4.RemovePortMappings(ipv4);
            throw;
        }
    }

    public int RemovePortMappings(IReadOnlyList<PortMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var (ipv4, ipv6) = ByFamily(mappings);
        return (ipv4.Count > 0 ? v4.RemovePortMappings(ipv4) : 0) + (ipv6.Count > 0 ? v6.RemovePortMappings(ipv6) : 0);
    }

    /// <summary>Each family's mappings; the list itself when all are IPv4 (no copy of a large range).</summary>
    private static (IReadOnlyList<PortMapping> V4, IReadOnlyList<PortMapping> V6) ByFamily(IReadOnlyList<PortMapping> mappings)
    {
        var ipv6 = mappings.Where(m => m.Port.Family == AddressFamily.InterNetworkV6).ToList();
        return (ipv6.Count == 0 ? mappings : [.. mappings.Where(m => m.Port.Family == AddressFamily.InterNetwork)], ipv6);
    }

    public IReadOnlyList<PortMapping> PortMappings() => [.. v4.PortMappings(), .. v6.PortMappings()];

    public CounterValue MappingCounters(uint mappingId) => v4.MappingCounters(mappingId);
}
