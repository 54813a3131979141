using Dataplane.Interop.Native;
using Microsoft.Win32.SafeHandles;

namespace Dataplane.Interop;

/// <summary>A kernel file descriptor this process owns (a socket, a namespace, a pinned map, a cgroup directory, a lock file).</summary>
public sealed class FileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    public FileDescriptorHandle() : base(ownsHandle: true) { }

    internal FileDescriptorHandle(int fd) : base(ownsHandle: true) => SetHandle(fd);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
