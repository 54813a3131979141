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
        var ipv6 = mappings.Where(m => m.Port.Family == AddressFamily.InterNetworkV6).ToList();
        var ipv4 = ipv6.Count == 0 ? mappings : [.. mappings.Where(m => m.Port.Family == AddressFamily.InterNetwork)];
        if (ipv4.Count > 0) v4.AddPortMappings(ipv4);
        var added = new List<PortMapping>();
        try
        {
            foreach (var m in ipv6)
            {
                v6.AddPortMapping(m);
                added.Add(m);
            }
        }
        catch
        {
            foreach (var m in added) v6.RemovePortMapping(m);
            if (ipv4.Count > 0) v4.RemovePortMappings(ipv4);
            throw;
        }
    }

    public int RemovePortMappings(IReadOnlyList<PortMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var ipv4 = mappings.Where(m => m.Port.Family == AddressFamily.InterNetwork).ToList();
        int removed = ipv4.Count > 0 ? v4.RemovePortMappings(ipv4) : 0;
        foreach (var m in mappings.Where(m => m.Port.Family == AddressFamily.InterNetworkV6))
            removed += v6.RemovePortMapping(m);
        return removed;
    }

    public IReadOnlyList<PortMapping> PortMappings() => [.. v4.PortMappings(), .. v6.PortMappings()];

    public CounterValue MappingCounters(uint mappingId) => v4.MappingCounters(mappingId);
}
