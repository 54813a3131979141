namespace Dataplane.ControlPlane.DataPath;

/// <summary>BPF_MAP_UPDATE_ELEM flags.</summary>
public enum MapUpdate : ulong
{
    Any = 0,
    NoExist = 1,
    Exist = 2,
}

/// <summary>The typed operations the data-path facade needs from one BPF hash/array/LPM map.
/// Implemented over the shared libbpf layer (Dataplane.Interop); failures throw with the errno.</summary>
public interface IBpfMap<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    bool TryLookup(in TKey key, out TValue value);
    void Update(in TKey key, in TValue value, MapUpdate flags = MapUpdate.Any);

    /// <summary>Writes many entries with one BPF_MAP_UPDATE_BATCH, create-or-replace (BPF_ANY): the
    /// kernel's batch update takes no BPF_NOEXIST/BPF_EXIST in elem_flags (EINVAL; only BPF_F_LOCK).
    /// It stops at the first element it cannot write (e.g. E2BIG when the map is full) and throws; the
    /// elements before that one stay written.</summary>
    void UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values);

    /// <summary>Deletes many keys (BPF_MAP_DELETE_BATCH); keys not there are skipped. Returns how many were deleted.</summary>
    int DeleteBatch(ReadOnlySpan<TKey> keys);

    /// <summary>False when the key was not there (ENOENT), an ordinary outcome.</summary>
    bool Delete(in TKey key);

    /// <summary>A snapshot of the keys (the map may change while it is taken).</summary>
    IReadOnlyList<TKey> Keys();

    /// <summary>A snapshot of the entries, in as few syscalls as the kernel allows (batch lookup).</summary>
    IReadOnlyList<KeyValuePair<TKey, TValue>> Entries();
}

/// <summary>A per-CPU array: one value per possible CPU for an index.</summary>
public interface IBpfPerCpuArray<TValue> where TValue : unmanaged
{
    TValue[] Lookup(uint index);
}
