using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Terminals;

/// <summary>The terminal this process runs on (the CLI's side of `exec -t`): is it one, its size, raw mode.</summary>
public static unsafe class LocalTerminal
{
    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    /// <summary>Rows and columns of the terminal on fd, or null when fd is not a terminal.</summary>
    public static (ushort Rows, ushort Columns)? Size(int fd)
    {
        WinSize size;
        return ioctl(fd, TIOCGWINSZ, &size) == 0 ? (size.ws_row, size.ws_col) : null;
    }

    /// <summary>
    /// Puts the terminal on fd in raw mode (no echo, no line editing, no signals from ^C, no output
    /// processing: the remote terminal does all of that) until the result is disposed.
    /// </summary>
    public static IDisposable MakeRaw(int fd)
    {
        var saved = new byte[TermiosSize];
        var raw = new byte[TermiosSize];
        fixed (byte* s = saved)
        fixed (byte* r = raw)
        {
            if (tcgetattr(fd, s) != 0) throw InteropException.FromLastError("tcgetattr", $"fd {fd}");
            saved.CopyTo(raw, 0);
            cfmakeraw(r);
            if (tcsetattr(fd, TCSANOW, r) != 0) throw InteropException.FromLastError("tcsetattr", $"fd {fd}");
        }
        return new Restore(fd, saved);
    }

    private sealed class Restore(int fd, byte[] saved) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            fixed (byte* s = saved)
                tcsetattr(fd, TCSANOW, s);
        }
    }
}
