using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

/// <summary>
/// A consumer of a BPF_MAP_TYPE_RINGBUF map through libbpf's ring_buffer: <see cref="Poll"/> waits
/// (epoll) for records and hands each one, in order, to the callback given at creation, on the
/// polling thread. One thread polls at a time; the record's bytes are valid only during the call.
/// </summary>
public sealed unsafe class BpfRingBuffer : IDisposable
{
    private readonly RingBufferHandle _handle;
    private readonly RecordHandler _onRecord;
    private GCHandle _self;
    private Exception? _callbackError;

    /// <summary>Called for every record; the span is the kernel's memory, copy what you keep.</summary>
    public delegate void RecordHandler(ReadOnlySpan<byte> record);

    public BpfRingBuffer(BpfMap map, RecordHandler onRecord)
    {
        ArgumentNullException.ThrowIfNull(map);
        _onRecord = onRecord ?? throw new ArgumentNullException(nameof(onRecord));
        if (map.Type != BpfMapType.RingBuf)
            throw new ArgumentException($"map {map.Name} is a {map.Type}, not a ring buffer", nameof(map));
        Name = map.Name;
        _self = GCHandle.Alloc(this);
        var opts = new ring_buffer_opts { sz = (nuint)sizeof(ring_buffer_opts) };
        nint rb = Libbpf.ring_buffer__new(map.Fd, &OnSample, GCHandle.ToIntPtr(_self), &opts);
        if (rb == 0)
        {
            var e = InteropException.FromLastError("open ring buffer", Name);
            _self.Free();
            throw e;
        }
        _handle = new RingBufferHandle();
        Marshal.InitHandle(_handle, rb);
    }

    public string Name { get; }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for records and consumes every one available;
    /// returns how many (0 on timeout or when a signal interrupted the wait). A callback's exception is rethrown here.</summary>
    public int Poll(int timeoutMs)
    {
        int n;
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            n = Libbpf.ring_buffer__poll(_handle.DangerousGetHandle(), timeoutMs);
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
        if (_callbackError is { } error)
        {
            _callbackError = null;
            throw new InvalidOperationException($"a record handler of ring buffer {Name} failed", error);
        }
        if (n == -(int)Errno.EINTR) return 0;
        if (n < 0) throw InteropException.FromNegativeReturn("poll ring buffer", Name, n);
        return n;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnSample(nint ctx, void* data, nuint size)
    {
        var self = (BpfRingBuffer)GCHandle.FromIntPtr(ctx).Target!;
        try
        {
            self._onRecord(new ReadOnlySpan<byte>(data, checked((int)size)));
            return 0;
        }
        catch (Exception e)
        {
            self._callbackError = e; // no exception may cross into libbpf: stop the poll, rethrow there
            return -1;
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        if (_self.IsAllocated) _self.Free();
    }
}
