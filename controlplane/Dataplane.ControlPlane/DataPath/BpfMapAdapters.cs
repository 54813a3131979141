using Dataplane.Interop.Bpf;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>The facade's map interface over a real map of the loaded object (Dataplane.Interop).</summary>
internal sealed class KernelMap<TKey, TValue>(BpfMap map) : IBpfMap<TKey, TValue>
    where TKey : unmanaged where TValue : unmanaged
{
    public bool TryLookup(in TKey key, out TValue value) => map.TryLookup(key, out value);

    public void Update(in TKey key, in TValue value, MapUpdate flags = MapUpdate.Any) => map.Update(key, value, (BpfUpdate)flags);

    public void UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values) => map.UpdateBatch(keys, values, BpfUpdate.Any);

    public bool Delete(in TKey key) => map.Delete(key);

    public int DeleteBatch(ReadOnlySpan<TKey> keys) => map.DeleteBatch(keys);

    public IReadOnlyList<TKey> Keys() => map.Keys<TKey>();

    public IReadOnlyList<KeyValuePair<TKey, TValue>> Entries() => map.Entries<TKey, TValue>();
}

/// <summary>A per-CPU array of the loaded object.</summary>
internal sealed class KernelPerCpuArray<TValue>(BpfMap map) : IBpfPerCpuArray<TValue> where TValue : unmanaged
{
    public TValue[] Lookup(uint index) => map.LookupPerCpu<uint, TValue>(index);
}
