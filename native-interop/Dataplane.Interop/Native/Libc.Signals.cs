using System.Runtime.InteropServices;

namespace Dataplane.Interop.Native;

/// <summary>kill(2), for the daemon's stop and kill of a container's process.</summary>
internal static partial class Libc
{
    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
