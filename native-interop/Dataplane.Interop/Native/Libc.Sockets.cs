using System.Runtime.InteropServices;

namespace Dataplane.Interop.Native;

/// <summary>Sockets the interop layer makes itself (netlink, held ports, netns cookies), with Linux's constants.</summary>
internal static unsafe partial class Libc
{
    public const int AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16; // Linux's, not System.Net.Sockets.AddressFamily's
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bind(int fd, void* address, uint length);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int getpeername(int fd, void* address, uint* length);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint recv(int fd, void* buffer, nuint length, int flags);
}
