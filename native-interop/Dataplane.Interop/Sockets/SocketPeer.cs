using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Sockets;

/// <summary>
/// The peer of a connected socket as the kernel records it (getpeername). Socket.RemoteEndPoint
/// returns the address passed to connect, which a cgroup connect hook may have rewritten.
/// </summary>
public static unsafe class SocketPeer
{
    public static IPEndPoint Of(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> address = stackalloc byte[28]; // sockaddr_in6, the larger of the two
        uint length = (uint)address.Length;
        bool added = false;
        var handle = socket.SafeHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* a = address)
                if (getpeername((int)handle.DangerousGetHandle(), a, &length) != 0)
                    throw InteropException.FromLastError("read socket peer", socket.LocalEndPoint?.ToString());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        int port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return BinaryPrimitives.ReadUInt16LittleEndian(address) switch
        {
            AF_INET => new IPEndPoint(new IPAddress(address[4..8]), port),
            AF_INET6 => new IPEndPoint(new IPAddress(address[8..24], BinaryPrimitives.ReadUInt32LittleEndian(address[24..])), port),
            var family => throw new InteropException("read socket peer", socket.LocalEndPoint?.ToString(), Errno.EAFNOSUPPORT, $"address family {family}"),
        };
    }
}
