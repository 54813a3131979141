using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Sockets;

/// <summary>
/// Holds a host port: a socket bound to it, without SO_REUSEADDR or SO_REUSEPORT, so the kernel
/// refuses the port to every other bind (theirs may set both) and never picks it as an ephemeral
/// source port. TCP sockets are bound, not listening: a connection that bypasses the data path is
/// refused at once instead of waiting in an accept queue nobody serves. Plain socket(2) and bind(2).
/// The daemon's port probe binds port 0 for a moment to learn whether an address is the host's.
/// </summary>
public static unsafe class PortHold
{
    private const int IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;

    /// <summary>
    /// Binds <paramref name="address"/>:<paramref name="port"/> in the calling thread's network
    /// namespace. Returns the held socket, or null with the kernel's reason (EADDRINUSE: another
    /// socket has it; EADDRNOTAVAIL: the address is not local).
    /// </summary>
    public static FileDescriptorHandle? TryHold(IPAddress address, bool udp, int port, out Errno reason)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = socket(v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw InteropException.FromLastError("open socket to hold port", $"{address}:{port}");
        }
        var handle = new FileDescriptorHandle(fd);
        Span<byte> sockaddr = stackalloc byte[28]; // sockaddr_in6; sockaddr_in uses the first 16
        sockaddr.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr, (ushort)(v6 ? AF_INET6 : AF_INET));
        BinaryPrimitives.WriteUInt16BigEndian(sockaddr[2..], (ushort)port);
        address.TryWriteBytes(v6 ? sockaddr[8..24] : sockaddr[4..8], out _);
        int one = 1;
        bool held;
        fixed (byte* a = sockaddr)
            held = (!v6 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(int)) == 0) // [::] is not 0.0.0.0, as in Docker
                && bind(fd, a, v6 ? 28u : 16u) == 0;
        if (held)
        {
            reason = Errno.None;
            return handle;
        }
        reason = (Errno)Marshal.GetLastPInvokeError();
        handle.Dispose();
        return null;
    }
}
