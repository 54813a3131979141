using System.Collections;
using Dataplane.Interop;
using Dataplane.Interop.Bpf;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// One family's published ports as one map: a port published on every address lives in its slot of the
/// mmapped every-address array (dp_portmap_any, dp_portmap6_any: one store, no syscall), a port published on
/// one address in the hash (dp_portmap, dp_portmap6). Callers see a single map keyed as the hash is keyed.
/// </summary>
/// <remarks>A slot is published while its mapping id is not 0 (ids start at 1). Publishing stores the id
/// last, unpublishing stores 0 first, each with release semantics, so the data path, which reads the id
/// first, never translates with half a slot (dp_abi.h). Writers hold the facade's publishing lock.</remarks>
public sealed class PortTable<TKey, TValue> : IBpfMap<TKey, TValue>, IDisposable
    where TKey : unmanaged where TValue : unmanaged
{
    /// <summary>From this many one-address keys on, the published ones are read in one walk of the hash (batch
    /// lookup, ~0.3 us an entry) instead of a lookup per key (~1 us each).</summary>
    private const int CheckByWalkFrom = 1024;

    private readonly IBpfMap<TKey, TValue> _oneAddress;
    private readonly BpfMappedArray<TValue> _everyAddress;
    private readonly IPortSlots<TKey, TValue> _slots;
    private readonly IDisposable[] _owned;

    internal PortTable(IBpfMap<TKey, TValue> oneAddress, BpfMappedArray<TValue> everyAddress, IPortSlots<TKey, TValue> slots, params IDisposable[] owned)
    {
        _oneAddress = oneAddress;
        _everyAddress = everyAddress;
        _slots = slots;
        _owned = owned;
    }

    /// <summary>The table of a family over the maps pinned in <paramref name="pinDirectory"/> (another process's
    /// data path: a test's view of a daemon, an operator's tool).</summary>
    internal static PortTable<TKey, TValue> OpenPinned(string pinDirectory, string oneAddressMap, string everyAddressMap, IPortSlots<TKey, TValue> slots)
    {
        var one = BpfMap.OpenPinned(Path.Combine(pinDirectory, oneAddressMap));
        BpfMap? every = null;
        try
        {
            every = BpfMap.OpenPinned(Path.Combine(pinDirectory, everyAddressMap));
            return new(new KernelMap<TKey, TValue>(one), every.MapValues<TValue>(), slots, one, every);
        }
        catch
        {
            every?.Dispose();
            one.Dispose();
            throw;
        }
    }

    public bool TryLookup(in TKey key, out TValue value)
    {
        int slot = _slots.SlotOf(key);
        if (slot < 0) return _oneAddress.TryLookup(key, out value);
        ref var v = ref _everyAddress[slot];
        value = default;
        if (Volatile.Read(ref _slots.MappingId(ref v)) == 0) return false;
        value = v;
        return true;
    }

    public void Update(in TKey key, in TValue value, MapUpdate flags = MapUpdate.Any)
    {
        int slot = _slots.SlotOf(key);
        if (slot < 0)
        {
            _oneAddress.Update(key, value, flags);
            return;
        }
        bool published = TryLookup(key, out _);
        if (flags == MapUpdate.NoExist && published) throw new InteropException("update map element", _everyAddress.Name, Errno.EEXIST);
        if (flags == MapUpdate.Exist && !published) throw new InteropException("update map element", _everyAddress.Name, Errno.ENOENT);
        Store(slot, value);
    }

    /// <summary>The one-address keys in one BPF_MAP_UPDATE_BATCH first (the only write that can fail), then
    /// the every-address slots.</summary>
    public void UpdateBatch(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values)
    {
        if (keys.Length != values.Length) throw new ArgumentException($"{keys.Length} keys, {values.Length} values");
        var (oneKeys, oneValues) = (new List<TKey>(), new List<TValue>());
        for (int i = 0; i < keys.Length; i++)
            if (_slots.SlotOf(keys[i]) < 0)
            {
                oneKeys.Add(keys[i]);
                oneValues.Add(values[i]);
            }
        if (oneKeys.Count > 0) _oneAddress.UpdateBatch([.. oneKeys], [.. oneValues]);
        for (int i = 0; i < keys.Length; i++)
            if (_slots.SlotOf(keys[i]) is var slot and >= 0) Store(slot, values[i]);
    }

    public bool Delete(in TKey key)
    {
        int slot = _slots.SlotOf(key);
        return slot < 0 ? _oneAddress.Delete(key) : Clear(slot);
    }

    public int DeleteBatch(ReadOnlySpan<TKey> keys)
    {
        int deleted = 0;
        var one = new List<TKey>();
        foreach (var key in keys)
            if (_slots.SlotOf(key) is var slot and >= 0) deleted += Clear(slot) ? 1 : 0;
            else one.Add(key);
        return deleted + (one.Count > 0 ? _oneAddress.DeleteBatch([.. one]) : 0);
    }

    /// <summary>The first key that repeats an earlier one, as (earlier, later) indices, or null. Fills
    /// <paramref name="oneAddressIndex"/> with each one-address key's index (what <see cref="FirstPublished"/>
    /// walks against); every-address keys are marked in a bitmap of their slots, not hashed.</summary>
    public (int First, int Second)? FirstRepeat(ReadOnlySpan<TKey> keys, Dictionary<TKey, int> oneAddressIndex)
    {
        var marked = new BitArray(_everyAddress.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            int slot = _slots.SlotOf(keys[i]);
            if (slot < 0)
            {
                if (!oneAddressIndex.TryAdd(keys[i], i)) return (oneAddressIndex[keys[i]], i);
            }
            else if (marked[slot])
            {
                for (int first = 0; ; first++)
                    if (_slots.SlotOf(keys[first]) == slot) return (first, i);
            }
            else marked[slot] = true;
        }
        return null;
    }

    /// <summary>Index of the first key already published, or -1: every-address keys read from their slots, the
    /// one-address ones looked up one by one, or from one walk of the hash when there are many.</summary>
    public int FirstPublished(ReadOnlySpan<TKey> keys, IReadOnlyDictionary<TKey, int> index)
    {
        int first = -1, oneAddressKeys = 0;
        for (int i = 0; i < keys.Length; i++)
            if (_slots.SlotOf(keys[i]) is var slot and >= 0)
            {
                if (first < 0 && Volatile.Read(ref _slots.MappingId(ref _everyAddress[slot])) != 0) first = i;
            }
            else oneAddressKeys++;
        if (oneAddressKeys == 0) return first;
        if (oneAddressKeys < CheckByWalkFrom)
        {
            for (int i = 0; i < keys.Length && (first < 0 || i < first); i++)
                if (_slots.SlotOf(keys[i]) < 0 && _oneAddress.TryLookup(keys[i], out _)) return i;
            return first;
        }
        foreach (var (key, _) in _oneAddress.Entries())
            if (index.TryGetValue(key, out var i) && (first < 0 || i < first)) first = i;
        return first;
    }

    /// <summary>How many ports are published on every address: a read of the slots' ids, no syscall.</summary>
    public int EveryAddressCount()
    {
        int n = 0;
        for (int slot = 0; slot < _everyAddress.Length; slot++)
            if (Volatile.Read(ref _slots.MappingId(ref _everyAddress[slot])) != 0) n++;
        return n;
    }

    public IReadOnlyList<TKey> Keys() => [.. Entries().Select(e => e.Key)];

    /// <summary>The hash's entries, then the published slots (a read of the array's memory).</summary>
    public IReadOnlyList<KeyValuePair<TKey, TValue>> Entries()
    {
        var entries = new List<KeyValuePair<TKey, TValue>>(_oneAddress.Entries());
        for (int slot = 0; slot < _everyAddress.Length; slot++)
        {
            ref var v = ref _everyAddress[slot];
            if (Volatile.Read(ref _slots.MappingId(ref v)) != 0) entries.Add(new(_slots.KeyOf(slot), v));
        }
        return entries;
    }

    /// <summary>Moves every-address entries out of the hash into their slots: a daemon before this table kept
    /// them there, and its pinned maps outlive it. Returns how many moved.</summary>
    public int MoveEveryAddressEntriesOutOfTheHash()
    {
        int moved = 0;
        foreach (var (key, published) in _oneAddress.Entries())
        {
            var value = published;
            if (_slots.SlotOf(key) is var slot and >= 0 && _slots.MappingId(ref value) != 0)
            {
                Store(slot, value);
                _oneAddress.Delete(key);
                moved++;
            }
        }
        return moved;
    }

    public void Dispose()
    {
        _everyAddress.Dispose();
        foreach (var d in _owned) d.Dispose();
    }

    private void Store(int slot, TValue value)
    {
        uint id = _slots.MappingId(ref value);
        if (id == 0) throw new ArgumentException("mapping id 0 means \"not published\" in an every-address slot", nameof(value));
        ref var v = ref _everyAddress[slot];
        Volatile.Write(ref _slots.MappingId(ref v), 0);
        _slots.MappingId(ref value) = 0;
        v = value;                                       // the translation, id still 0 ...
        Volatile.Write(ref _slots.MappingId(ref v), id);  // ... then the id: published
    }

    private bool Clear(int slot)
    {
        ref var v = ref _everyAddress[slot];
        if (Volatile.Read(ref _slots.MappingId(ref v)) == 0) return false;
        Volatile.Write(ref _slots.MappingId(ref v), 0);
        v = default;
        return true;
    }
}

/// <summary>Where a family's port-map key has its every-address slot, and where its value keeps the mapping id.</summary>
public interface IPortSlots<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    /// <summary>The every-address slot of the key (DP_PORTMAP_ANY_SLOT), or -1 for a key with a host address.</summary>
    int SlotOf(in TKey key);

    TKey KeyOf(int slot);

    ref uint MappingId(ref TValue value);
}

internal sealed class PortSlots : IPortSlots<PortMapKey, PortMapValue>
{
    public static readonly PortSlots Instance = new();

    public int SlotOf(in PortMapKey key) => key.AddrBe == 0 ? Slot(key.Proto, key.PortBe) : -1;

    public PortMapKey KeyOf(int slot) => new() { PortBe = NetOrder.PortBe((ushort)slot), Proto = ProtoOf(slot) };

    public ref uint MappingId(ref PortMapValue value) => ref value.MappingId;

    /// <summary>DP_PORTMAP_ANY_SLOT: TCP ports, then UDP; a protocol never published has no slot (-1, the
    /// hash refuses nothing, so such a key stays the hash's).</summary>
    internal static int Slot(byte proto, ushort portBe) => proto switch
    {
        DataPathAbi.ProtoTcp => NetOrder.Port(portBe),
        DataPathAbi.ProtoUdp => 1 << 16 | NetOrder.Port(portBe),
        _ => -1,
    };

    internal static byte ProtoOf(int slot) => slot >> 16 == 0 ? DataPathAbi.ProtoTcp : DataPathAbi.ProtoUdp;
}

internal sealed unsafe class PortSlots6 : IPortSlots<PortMap6Key, PortMap6Value>
{
    public static readonly PortSlots6 Instance = new();

    public int SlotOf(in PortMap6Key key) =>
        (key.AddrBe[0] | key.AddrBe[1] | key.AddrBe[2] | key.AddrBe[3]) == 0 ? PortSlots.Slot(key.Proto, key.PortBe) : -1;

    public PortMap6Key KeyOf(int slot) => new() { PortBe = NetOrder.PortBe((ushort)slot), Proto = PortSlots.ProtoOf(slot) };

    public ref uint MappingId(ref PortMap6Value value) => ref value.MappingId;
}
