using System.Runtime.InteropServices;

namespace Dataplane.Interop.Native;

/// <summary>Namespaces: per thread, so always called on a thread that is never returned to a pool.</summary>
internal static partial class Libc
{
    public const int CLONE_NEWNS = 0x00020000, CLONE_NEWUTS = 0x04000000, CLONE_NEWNET = 0x40000000;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport(Library)]
    public static partial int gettid();

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sethostname(byte[] name, nuint length);
}
