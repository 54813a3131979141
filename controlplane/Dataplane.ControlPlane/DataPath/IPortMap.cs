namespace Dataplane.ControlPlane.DataPath;

/// <summary>The published-port map, as the engine's PortPublisher uses it (DataPathMaps implements it).</summary>
public interface IPortMap
{
    /// <summary>Mapping ids run 1..MappingIdLimit-1 (the size of the per-mapping counters).</summary>
    uint MappingIdLimit { get; }

    /// <summary>All or nothing; a host port already published refuses the whole batch.</summary>
    void AddPortMappings(IReadOnlyList<PortMapping> mappings);

    /// <summary>New flows stop at once, then the mappings' flows are flushed; returns the entries removed.</summary>
    int RemovePortMappings(IReadOnlyList<PortMapping> mappings);

    /// <summary>Every published port as the kernel has it (what a restarted daemon adopts).</summary>
    IReadOnlyList<PortMapping> PortMappings();

    /// <summary>Packets and bytes a mapping has carried, summed over the CPUs.</summary>
    CounterValue MappingCounters(uint mappingId);
}

/// <summary>The data path's counters, summed over the CPUs.</summary>
public interface IDataPathCounters
{
    CounterValue MappingCounters(uint mappingId);

    IReadOnlyDictionary<DropReason, CounterValue> Drops();
}
