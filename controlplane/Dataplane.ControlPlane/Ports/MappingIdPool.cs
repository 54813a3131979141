namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// Ids of published ports, 1..<paramref name="limit"/>-1. An id indexes the mapping's counters and
/// tags every flow it owns (removing a mapping flushes the flows with its id), so two live mappings
/// must never share one. Handed out round-robin from the last one given, so a freed id is not
/// reused at once.
/// </summary>
public sealed class MappingIdPool(uint limit)
{
    private readonly HashSet<uint> _used = [];
    private uint _last;

    public int InUse => _used.Count;

    public uint Take()
    {
        uint span = limit - 1;
        for (uint i = 1; i <= span; i++)
        {
            uint id = (_last + i - 1) % span + 1;
            if (_used.Add(id))
                return _last = id;
        }
        throw DataplaneException.Conflict($"all {span} port mapping ids are in use: unpublish ports first");
    }

    /// <summary>Marks an id the kernel already holds (a restarted daemon adopting its mappings).</summary>
    public void Adopt(uint id)
    {
        if (id == 0 || id >= limit) throw new ArgumentOutOfRangeException(nameof(id), $"mapping id {id} outside 1..{limit - 1}");
        _used.Add(id);
        _last = Math.Max(_last, id);
    }

    public void Release(uint id) => _used.Remove(id);
}
