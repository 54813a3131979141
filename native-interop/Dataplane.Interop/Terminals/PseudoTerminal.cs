using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Terminals;

/// <summary>
/// A pseudo-terminal pair for a sandboxed process: the master stays here (read its output, write its
/// input), the child opens <see cref="SlavePath"/> itself after setsid so it becomes its controlling
/// terminal (see <see cref="Processes.ChildStdio"/>). Reading the master fails with EIO once every
/// slave descriptor is closed: that is the end of the output.
/// </summary>
public sealed unsafe class PseudoTerminal : IDisposable
{
    private PseudoTerminal(SafeFileHandle master, string slavePath)
    {
        Master = master;
        SlavePath = slavePath;
    }

    public SafeFileHandle Master { get; }

    public string SlavePath { get; }

    /// <param name="owner">The uid (and gid) the slave is given, so a process running as another user can open it.</param>
    public static PseudoTerminal Open(ushort rows, ushort columns, (uint Uid, uint Gid)? owner = null)
    {
        int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) throw InteropException.FromLastError("posix_openpt", "/dev/ptmx");
        var master = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (grantpt(fd) != 0) throw InteropException.FromLastError("grantpt", "/dev/ptmx");
            if (unlockpt(fd) != 0) throw InteropException.FromLastError("unlockpt", "/dev/ptmx");
            var name = stackalloc byte[128];
            int error = ptsname_r(fd, name, 128);
            if (error != 0) throw new InteropException("ptsname_r", "/dev/ptmx", (Errno)error);
            string slave = Marshal.PtrToStringUTF8((nint)name)!;
            if (owner is { } o && chown(slave, o.Uid, o.Gid) != 0) throw InteropException.FromLastError("chown", slave);
            var terminal = new PseudoTerminal(master, slave);
            if (rows > 0 && columns > 0) terminal.Resize(rows, columns);
            return terminal;
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>TIOCSWINSZ: the kernel sends SIGWINCH to the terminal's foreground process group.</summary>
    public void Resize(ushort rows, ushort columns)
    {
        var size = new WinSize { ws_row = rows, ws_col = columns };
        bool added = false;
        try
        {
            Master.DangerousAddRef(ref added);
            if (ioctl((int)Master.DangerousGetHandle(), TIOCSWINSZ, &size) != 0) throw InteropException.FromLastError("set window size", SlavePath);
        }
        finally
        {
            if (added) Master.DangerousRelease();
        }
    }

    public void Dispose() => Master.Dispose();
}
