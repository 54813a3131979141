using System.Runtime.InteropServices;

namespace Dataplane.Interop.Native;

/// <summary>CPU affinity of one thread (pid 0 = the calling thread), which .NET only offers per process.</summary>
internal static unsafe partial class Libc
{
    [LibraryImport(Library, SetLastError = true)]
    public static partial int sched_getaffinity(int pid, nuint size, ulong* mask);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint size, ulong* mask);
}
