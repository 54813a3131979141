using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Netlink;

/// <summary>
/// A netlink socket (NETLINK_ROUTE unless asked otherwise). Every request asks for an ACK and is matched by sequence number; errors
/// carry the kernel's errno and its extended-ack text. The socket acts in the network namespace it
/// was created in, whichever thread uses it later.
/// </summary>
public sealed unsafe partial class NetlinkSocket : IDisposable
{
    public const int NETLINK_ROUTE = 0, NETLINK_SOCK_DIAG = 4;
    private const int SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly FileDescriptorHandle _fd;
    private readonly Lock _gate = new();
    private uint _sequence = (uint)Environment.TickCount;

    private NetlinkSocket(FileDescriptorHandle fd) => _fd = fd;

    /// <summary>Opens a NETLINK_ROUTE socket in the calling thread's network namespace.</summary>
    public static NetlinkSocket Open() => Open(NETLINK_ROUTE);

    /// <summary>Opens a socket of the netlink <paramref name="protocol"/> in the calling thread's network namespace.</summary>
    public static NetlinkSocket Open(int protocol)
    {
        string what = protocol == NETLINK_ROUTE ? "NETLINK_ROUTE" : $"netlink protocol {protocol}";
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0) throw InteropException.FromLastError("open netlink socket", what);
        var handle = new FileDescriptorHandle(fd);
        int one = 1;
        setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(int));
        setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(int));
        Span<byte> address = stackalloc byte[12];
        address.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(address, AF_NETLINK);
        fixed (byte* a = address)
        {
            if (bind(fd, a, 12) != 0)
            {
                var e = InteropException.FromLastError("bind netlink socket", what);
                handle.Dispose();
                throw e;
            }
        }
        return new NetlinkSocket(handle);
    }

    public uint NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>
    /// Sends a request (with NLM_F_ACK, or a dump) and returns the messages answered before the ACK or
    /// NLMSG_DONE that ends it. <paramref name="what"/> names the object in errors.
    /// </summary>
    public List<NetlinkMessage> Exchange(ReadOnlySpan<byte> message, string operation, string what)
    {
        lock (_gate)
        {
            uint seq = Send(message, operation, what);
            return ReceiveUntilDone(seq, operation, what);
        }
    }

    private uint Send(ReadOnlySpan<byte> message, string operation, string what)
    {
        uint seq = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
        fixed (byte* m = message)
        {
            if (send(_fd.Fd, m, (nuint)message.Length, 0) != message.Length)
                throw InteropException.FromLastError(operation, what);
        }
        return seq;
    }

    private List<NetlinkMessage> ReceiveUntilDone(uint seq, string operation, string what)
    {
        var results = new List<NetlinkMessage>();
        var buffer = new byte[ReceiveBufferSize];
        while (true)
        {
            long n;
            fixed (byte* b = buffer) n = recv(_fd.Fd, b, (nuint)buffer.Length, 0);
            if (n < 0)
            {
                var errno = (Errno)Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                throw new InteropException(operation, what, errno, "receiving the reply");
            }
            foreach (var msg in NetlinkReader.Messages(buffer.AsSpan(0, (int)n)))
            {
                if (msg.Sequence != seq) continue; // a late answer to an abandoned request
                switch (msg.Type)
                {
                    case Nl.NLMSG_ERROR:
                        int error = BinaryPrimitives.ReadInt32LittleEndian(msg.Payload);
                        if (error != 0) throw new InteropException(operation, what, (Errno)(-error), ExtendedAck(msg));
                        return results;
                    case Nl.NLMSG_DONE:
                        return results;
                    default:
                        results.Add(msg);
                        break;
                }
            }
        }
    }

    /// <summary>NLMSGERR_ATTR_MSG, the kernel's own words for what was wrong, if it sent them.</summary>
    private static string? ExtendedAck(NetlinkMessage msg)
    {
        if ((msg.Flags & Nl.NLM_F_ACK_TLVS) == 0) return null;
        // struct nlmsgerr = error (4) + the request's nlmsghdr (16; payload capped by NETLINK_CAP_ACK).
        const int offset = 4 + Nl.HeaderSize;
        if (msg.Payload.Length <= offset) return null;
        try
        {
            return NetlinkReader.Attributes(msg.Payload.AsSpan(offset)).Find(Nl.NLMSGERR_ATTR_MSG)?.String;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    public void Dispose() => _fd.Dispose();
}
