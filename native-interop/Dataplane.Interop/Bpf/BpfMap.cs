using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

/// <summary>
/// A BPF map: either one of a loaded <see cref="BpfObject"/> or one opened from its bpffs pin.
/// Typed operations take unmanaged structs whose sizes must equal the map's key and value sizes;
/// per-CPU maps take one value per possible CPU.
/// </summary>
public sealed unsafe class BpfMap : IDisposable
{
    private readonly BpfObject? _owner;
    private readonly nint _raw;                      // struct bpf_map* when owned by an object
    private readonly FileDescriptorHandle? _pinnedFd; // when opened from a pin

    internal BpfMap(BpfObject owner, nint raw)
    {
        _owner = owner;
        _raw = raw;
        Name = Libbpf.Utf8(Libbpf.bpf_map__name(raw))!;
    }

    private BpfMap(FileDescriptorHandle fd, string name, BpfMapType type, uint keySize, uint valueSize, uint maxEntries)
    {
        _pinnedFd = fd;
        Name = name;
        _type = type;
        _keySize = keySize;
        _valueSize = valueSize;
        _maxEntries = maxEntries;
    }

    private readonly BpfMapType _type;
    private readonly uint _keySize, _valueSize, _maxEntries;

    public string Name { get; }
    public BpfMapType Type => _owner is null ? _type : (BpfMapType)Libbpf.bpf_map__type(_raw);
    public int KeySize => (int)(_owner is null ? _keySize : Libbpf.bpf_map__key_size(_raw));
    public int ValueSize => (int)(_owner is null ? _valueSize : Libbpf.bpf_map__value_size(_raw));
    public int MaxEntries => (int)(_owner is null ? _maxEntries : Libbpf.bpf_map__max_entries(_raw));
    public bool IsPerCpu => Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash;

    /// <summary>BTF type ids of the key and value in the owning object's BTF (0 when unknown).</summary>
    public uint BtfKeyTypeId => _owner is null ? 0 : Libbpf.bpf_map__btf_key_type_id(_raw);
    public uint BtfValueTypeId => _owner is null ? 0 : Libbpf.bpf_map__btf_value_type_id(_raw);

    public int Fd
    {
        get
        {
            if (_pinnedFd is not null) return _pinnedFd.Fd;
            _owner!.ThrowIfNotLoaded("use map", Name);
            return Libbpf.bpf_map__fd(_raw);
        }
    }

    /// <summary>Maps the values of a BPF_F_MMAPABLE ARRAY into this process (after load); dispose it
    /// before the map's object.</summary>
    public BpfMappedArray<TValue> MapValues<TValue>() where TValue : unmanaged => new(this);

    // ---- before load ----

    public void SetMaxEntries(uint maxEntries)
    {
        RequireUnloadedObject("set max_entries");
        Check(Libbpf.bpf_map__set_max_entries(_raw, maxEntries), "set max_entries");
    }

    /// <summary>Overwrites the initial contents of a global-data map (.rodata/.data/.bss) before load.</summary>
    public void SetInitialValue(ReadOnlySpan<byte> data)
    {
        RequireUnloadedObject("set initial value");
        fixed (byte* p = data)
            Check(Libbpf.bpf_map__set_initial_value(_raw, p, (nuint)data.Length), "set initial value");
    }

    /// <summary>The current initial contents of a global-data map, for editing one variable.</summary>
    public byte[] GetInitialValue()
    {
        RequireUnloadedObject("read initial value");
        nuint size;
        var p = Libbpf.bpf_map__initial_value(_raw, &size);
        if (p is null) throw new InteropException("read initial value", Name, Errno.EINVAL, "not a global-data map");
        return new ReadOnlySpan<byte>(p, (int)size).ToArray();
    }

    // ---- element operations ----

    public bool TryLookup<TKey, TValue>(in TKey key, out TValue value) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSizes<TKey, TValue>(perCpuValues: false);
        TValue v = default;
        fixed (TKey* k = &key)
        {
            if (Libbpf.bpf_map_lookup_elem(Fd, k, &v) == 0) { value = v; return true; }
        }
        var errno = (Errno)Marshal.GetLastPInvokeError();
        if (errno != Errno.ENOENT) throw new InteropException("lookup in map", Name, errno);
        value = default;
        return false;
    }

    public TValue Lookup<TKey, TValue>(in TKey key) where TKey : unmanaged where TValue : unmanaged
        => TryLookup<TKey, TValue>(key, out var value) ? value : throw new InteropException("lookup in map", Name, Errno.ENOENT, "no such key");

    /// <summary>A per-CPU map's value for <paramref name="key"/>, one entry per possible CPU (empty if absent).</summary>
    public TValue[] LookupPerCpu<TKey, TValue>(in TKey key) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSizes<TKey, TValue>(perCpuValues: true);
        var values = new TValue[PossibleCpus];
        fixed (TKey* k = &key)
        fixed (TValue* v = values)
        {
            if (Libbpf.bpf_map_lookup_elem(Fd, k, v) == 0) return values;
        }
        var errno = (Errno)Marshal.GetLastPInvokeError();
        return errno == Errno.ENOENT ? [] : throw new InteropException("lookup in map", Name, errno);
    }

    public void Update<TKey, TValue>(in TKey key, in TValue value, BpfUpdate flags = BpfUpdate.Any) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSizes<TKey, TValue>(perCpuValues: false);
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
            CheckErrno(Libbpf.bpf_map_update_elem(Fd, k, v, (ulong)flags), "update map");
    }

    /// <summary>Sets a per-CPU map's value on every CPU (the array must have one element per possible CPU).</summary>
    public void UpdatePerCpu<TKey, TValue>(in TKey key, ReadOnlySpan<TValue> values, BpfUpdate flags = BpfUpdate.Any) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSizes<TKey, TValue>(perCpuValues: true);
        if (values.Length != PossibleCpus)
            throw new ArgumentException($"map '{Name}' is per-CPU: {PossibleCpus} values needed, {values.Length} given", nameof(values));
        fixed (TKey* k = &key)
        fixed (TValue* v = values)
            CheckErrno(Libbpf.bpf_map_update_elem(Fd, k, v, (ulong)flags), "update map");
    }

    /// <summary>Deletes <paramref name="key"/>; false when it was not there.</summary>
    public bool Delete<TKey>(in TKey key) where TKey : unmanaged
    {
        CheckKeySize<TKey>();
        fixed (TKey* k = &key)
        {
            if (Libbpf.bpf_map_delete_elem(Fd, k) == 0) return true;
        }
        var errno = (Errno)Marshal.GetLastPInvokeError();
        return errno == Errno.ENOENT ? false : throw new InteropException("delete from map", Name, errno);
    }

    /// <summary>Every key, walked with BPF_MAP_GET_NEXT_KEY (a snapshot: concurrent changes may or may not show).</summary>
    public List<TKey> Keys<TKey>() where TKey : unmanaged
    {
        CheckKeySize<TKey>();
        var keys = new List<TKey>();
        TKey current = default, next = default;
        bool first = true;
        while (true)
        {
            int ret = first ? Libbpf.bpf_map_get_next_key(Fd, null, &next) : Libbpf.bpf_map_get_next_key(Fd, &current, &next);
            if (ret != 0)
            {
                var errno = (Errno)Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOENT) return keys;
                throw new InteropException("iterate map", Name, errno);
            }
            keys.Add(next);
            current = next;
            first = false;
        }
    }

    // ---- batch operations: one syscall for many elements where the kernel has them ----

    /// <summary>Every entry, read with BPF_MAP_LOOKUP_BATCH, or key by key where the map type has no batch op.</summary>
    public List<KeyValuePair<TKey, TValue>> Entries<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
    {
        CheckSizes<TKey, TValue>(perCpuValues: false);
        var result = new List<KeyValuePair<TKey, TValue>>();
        const int chunk = 4096; // fewer syscalls for a full conntrack table; the kernel buffers one chunk
        var keys = new TKey[chunk];
        var values = new TValue[chunk];
        ulong batch = 0;
        bool first = true;
        var opts = new bpf_map_batch_opts { sz = (nuint)sizeof(bpf_map_batch_opts) };
        while (true)
        {
            uint count = chunk;
            int ret;
            fixed (TKey* k = keys)
            fixed (TValue* v = values)
                ret = Libbpf.bpf_map_lookup_batch(Fd, first ? null : &batch, &batch, k, v, &count, &opts);
            var errno = ret == 0 ? Errno.None : (Errno)Marshal.GetLastPInvokeError();
            if (ret != 0 && errno != Errno.ENOENT)
            {
                if (first && IsUnsupported(errno)) return EntriesOneByOne<TKey, TValue>();
                throw new InteropException("batch lookup in map", Name, errno);
            }
            for (int i = 0; i < count; i++) result.Add(new(keys[i], values[i]));
            if (ret != 0) return result; // ENOENT: the walk is complete
            first = false;
        }
    }

    /// <summary>Writes many elements in one BPF_MAP_UPDATE_BATCH (element by element where unsupported).</summary>
    public void UpdateBatch<TKey, TValue>(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, BpfUpdate flags = BpfUpdate.Any) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSizes<TKey, TValue>(perCpuValues: false);
        if (keys.Length != values.Length) throw new ArgumentException($"{keys.Length} keys but {values.Length} values", nameof(values));
        if (keys.IsEmpty) return;
        uint count = (uint)keys.Length;
        var opts = new bpf_map_batch_opts { sz = (nuint)sizeof(bpf_map_batch_opts), elem_flags = (ulong)flags };
        int ret;
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
            ret = Libbpf.bpf_map_update_batch(Fd, k, v, &count, &opts);
        if (ret == 0) return;
        var errno = (Errno)Marshal.GetLastPInvokeError();
        if (!IsUnsupported(errno) || count != 0)
            throw new InteropException("batch update map", Name, errno, $"{count} of {keys.Length} elements written");
        for (int i = 0; i < keys.Length; i++) Update(keys[i], values[i], flags);
    }

    /// <summary>Deletes many keys with BPF_MAP_DELETE_BATCH; keys not there are skipped. Returns how many were deleted.</summary>
    public int DeleteBatch<TKey>(ReadOnlySpan<TKey> keys) where TKey : unmanaged
    {
        CheckKeySize<TKey>();
        var opts = new bpf_map_batch_opts { sz = (nuint)sizeof(bpf_map_batch_opts) };
        int deleted = 0;
        while (!keys.IsEmpty)
        {
            uint count = (uint)keys.Length;
            int ret;
            fixed (TKey* k = keys)
                ret = Libbpf.bpf_map_delete_batch(Fd, k, &count, &opts);
            deleted += (int)count;
            if (ret == 0) return deleted;
            var errno = (Errno)Marshal.GetLastPInvokeError();
            if (IsUnsupported(errno) && count == 0)
            {
                foreach (var key in keys) deleted += Delete(key) ? 1 : 0;
                return deleted;
            }
            // The kernel stops at the first missing key, having deleted the ones before it: skip it, go on.
            if (errno != Errno.ENOENT) throw new InteropException("batch delete from map", Name, errno, $"{deleted} deleted before it");
            keys = keys[((int)count + 1)..];
        }
        return deleted;
    }

    private List<KeyValuePair<TKey, TValue>> EntriesOneByOne<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
    {
        var result = new List<KeyValuePair<TKey, TValue>>();
        foreach (var key in Keys<TKey>())
            if (TryLookup<TKey, TValue>(key, out var value)) result.Add(new(key, value));
        return result;
    }

    private static bool IsUnsupported(Errno errno) => errno is Errno.EINVAL or Errno.ENOTSUPP or Errno.EOPNOTSUPP;

    // ---- pins ----

    public void Pin(string path)
    {
        if (_owner is null)
        {
            if (Libbpf.bpf_obj_pin(Fd, path) != 0) throw InteropException.FromLastError("pin map", $"{Name} at {path}");
            return;
        }
        _owner.ThrowIfNotLoaded("pin map", Name);
        Check(Libbpf.bpf_map__pin(_raw, path), $"pin map", $"{Name} at {path}");
    }

    /// <summary>Removes the pin at <paramref name="path"/> (the map lives on while anything else holds it).</summary>
    public static void Unpin(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            throw new InteropException("unpin", path, Errno.EIO, e.Message);
        }
    }

    /// <summary>Opens a map pinned in bpffs; its metadata comes from the kernel.</summary>
    public static BpfMap OpenPinned(string path)
    {
        int fd = Libbpf.bpf_obj_get(path);
        if (fd < 0) throw InteropException.FromLastError("open pinned map", path);
        var handle = new FileDescriptorHandle(fd);
        bpf_map_info info = default;
        uint len = (uint)sizeof(bpf_map_info);
        if (Libbpf.bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        {
            var e = InteropException.FromLastError("read map info", path, "is it a map?");
            handle.Dispose();
            throw e;
        }
        var name = Marshal.PtrToStringUTF8((nint)info.name) ?? Path.GetFileName(path);
        return new BpfMap(handle, name, (BpfMapType)info.type, info.key_size, info.value_size, info.max_entries);
    }

    public void Dispose() => _pinnedFd?.Dispose();

    // ---- checks ----

    public static int PossibleCpus { get; } = Math.Max(1, Libbpf.libbpf_num_possible_cpus());

    private void CheckKeySize<TKey>() where TKey : unmanaged
    {
        if (sizeof(TKey) != KeySize)
            throw new InteropException("use map", Name, Errno.EINVAL, $"key type {typeof(TKey).Name} is {sizeof(TKey)} bytes but the map's key is {KeySize} bytes");
    }

    private void CheckSizes<TKey, TValue>(bool perCpuValues) where TKey : unmanaged where TValue : unmanaged
    {
        CheckKeySize<TKey>();
        if (perCpuValues != IsPerCpu)
            throw new InteropException("use map", Name, Errno.EINVAL, IsPerCpu ? "the map is per-CPU: use the PerCpu operations" : "the map is not per-CPU");
        if (sizeof(TValue) != ValueSize)
            throw new InteropException("use map", Name, Errno.EINVAL, $"value type {typeof(TValue).Name} is {sizeof(TValue)} bytes but the map's value is {ValueSize} bytes");
        // The kernel lays per-CPU values out 8-byte aligned; a C# array matches only when the size already is.
        if (perCpuValues && ValueSize % 8 != 0)
            throw new InteropException("use map", Name, Errno.EINVAL, $"per-CPU value size {ValueSize} is not a multiple of 8");
    }

    private void RequireUnloadedObject(string operation)
    {
        if (_owner is null) throw new InvalidOperationException($"{operation} '{Name}': only possible on a map of an object not yet loaded");
        _owner.ThrowIfLoaded(operation);
    }

    private void Check(int ret, string operation, string? target = null)
    {
        if (ret < 0) throw InteropException.FromNegativeReturn(operation, target ?? Name, ret);
    }

    private void CheckErrno(int ret, string operation)
    {
        if (ret != 0) throw InteropException.FromLastError(operation, Name);
    }
}
