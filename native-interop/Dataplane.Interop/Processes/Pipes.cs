using Microsoft.Win32.SafeHandles;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Processes;

/// <summary>Anonymous pipes for a child's standard streams (close-on-exec here; the child gets its end through dup2).</summary>
public static unsafe class Pipes
{
    public static (SafeFileHandle Read, SafeFileHandle Write) Create()
    {
        var fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw InteropException.FromLastError("pipe2", null);
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }
}
