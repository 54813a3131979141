using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Dataplane.Interop.Netlink;

/// <summary>
/// Writes one netlink message into a caller's buffer: nlmsghdr, the family header, attributes and
/// nested attributes, every length patched when its part ends, every part 4-byte aligned.
/// </summary>
public ref struct NetlinkWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public NetlinkWriter(Span<byte> buffer) => _buffer = buffer;

    public readonly int Length => _position;

    /// <summary>Starts the message; <see cref="Finish"/> patches its length.</summary>
    public void Header(ushort type, ushort flags, uint sequence)
    {
        var h = Reserve(Nl.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], sequence);
        // nlmsg_pid 0: the kernel
    }

    /// <summary>A family header (ifinfomsg, ifaddrmsg, rtmsg, ndmsg) in host byte order.</summary>
    public void Struct<T>(in T value) where T : unmanaged
    {
        var span = Reserve(Marshal.SizeOf<T>());
        MemoryMarshal.Write(span, in value);
    }

    public void Attribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var a = Reserve(4 + value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        value.CopyTo(a[4..]);
    }

    public void U8(ushort type, byte value) => Attribute(type, [value]);

    public void U16(ushort type, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Attribute(type, b);
    }

    public void U32(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Attribute(type, b);
    }

    public void S32(ushort type, int value) => U32(type, (uint)value);

    /// <summary>A NUL-terminated string, as IFLA_IFNAME and IFLA_INFO_KIND are.</summary>
    public void String(ushort type, string value)
    {
        Span<byte> b = stackalloc byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, b);
        Attribute(type, b);
    }

    public void Address(ushort type, IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int written);
        Attribute(type, b[..written]);
    }

    /// <summary>Opens a nested attribute; pass the returned offset to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _position;
        var a = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(a[2..], type);
        return start;
    }

    public void EndNested(int start)
        => BinaryPrimitives.WriteUInt16LittleEndian(_buffer[start..], (ushort)(_position - start));

    /// <summary>Patches nlmsg_len and returns the finished message.</summary>
    public readonly ReadOnlySpan<byte> Finish()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_position);
        return _buffer[.._position];
    }

    private Span<byte> Reserve(int size)
    {
        int aligned = Align(size);
        if (_position + aligned > _buffer.Length)
            throw new InvalidOperationException($"netlink message exceeds its {_buffer.Length}-byte buffer");
        var span = _buffer.Slice(_position, aligned);
        span.Clear();
        _position += aligned;
        return span[..size];
    }

    internal static int Align(int size) => (size + 3) & ~3;
}
