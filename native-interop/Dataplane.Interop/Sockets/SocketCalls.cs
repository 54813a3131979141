using System.Runtime.InteropServices;

namespace Dataplane.Interop.Sockets;

/// <summary>The libc socket calls the interop layer makes itself (netlink, held ports, netns
/// cookies), with Linux's constants; errno through SetLastError.</summary>
internal static unsafe partial class SocketCalls
{
    public const int AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16; // Linux's, not System.Net.Sockets.AddressFamily's
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, void* address, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, void* buffer, nuint length, int flags);
}
