using Dataplane.Interop.Native;
using Microsoft.Win32.SafeHandles;

namespace Dataplane.Interop.Bpf;

/// <summary>
/// An ARRAY map created with BPF_F_MMAPABLE, mapped into this process: its values are read and written as
/// memory, without a syscall each. The kernel lays values out every round_up(value_size, 8) bytes. A slot
/// is written with plain stores, so a BPF program reading it meanwhile may see part of a write: the map's
/// owner orders its stores (a field written last that says the slot is complete).
/// </summary>
public sealed unsafe class BpfMappedArray<TValue> : IDisposable where TValue : unmanaged
{
    private readonly MappedMemoryHandle _memory;
    private readonly int _stride;

    internal BpfMappedArray(BpfMap map)
    {
        if (map.Type != BpfMapType.Array)
            throw new InteropException("map values", map.Name, Errno.EINVAL, $"a {map.Type} map; only an ARRAY is mapped");
        if (map.ValueSize != sizeof(TValue))
            throw new InteropException("map values", map.Name, Errno.EINVAL, $"values are {map.ValueSize} bytes, {typeof(TValue).Name} is {sizeof(TValue)}");
        Name = map.Name;
        _stride = (map.ValueSize + 7) & ~7;
        Length = map.MaxEntries;
        long page = Environment.SystemPageSize;
        var size = (nuint)(((long)_stride * Length + page - 1) / page * page);
        var at = Libc.mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, map.Fd, 0);
        if (at == Libc.MAP_FAILED)
            throw InteropException.FromLastError("mmap", map.Name, "was the map created with BPF_F_MMAPABLE?");
        _memory = new MappedMemoryHandle(at, size);
    }

    public string Name { get; }

    public int Length { get; }

    /// <summary>The value at <paramref name="index"/>, in the kernel's memory.</summary>
    public ref TValue this[int index]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
            return ref *(TValue*)((byte*)_memory.DangerousGetHandle() + (long)index * _stride);
        }
    }

    public void Dispose() => _memory.Dispose();

    private sealed class MappedMemoryHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        private readonly nuint _length;

        public MappedMemoryHandle(nint at, nuint length) : base(ownsHandle: true)
        {
            SetHandle(at);
            _length = length;
        }

        protected override bool ReleaseHandle() => Libc.munmap(handle, _length) == 0;
    }
}
