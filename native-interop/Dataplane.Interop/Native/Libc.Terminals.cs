using System.Runtime.InteropServices;

namespace Dataplane.Interop.Native;

/// <summary>Pseudo-terminals, terminal modes and window sizes, and pipes: what `exec -i/-t` needs on both sides.</summary>
internal static unsafe partial class Libc
{
    public const int O_NOCTTY = 0x100;
    public const nuint TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    public const int TCSANOW = 0;

    /// <summary>glibc's struct termios is 60 bytes on Linux; callers pass a buffer at least this big.</summary>
    public const int TermiosSize = 64;

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize // struct winsize
    {
        public ushort ws_row;
        public ushort ws_col;
        public ushort ws_xpixel;
        public ushort ws_ypixel;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int posix_openpt(int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int grantpt(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int unlockpt(int fd);

    /// <summary>Returns an errno (not -1) on failure.</summary>
    [LibraryImport(Library)]
    public static partial int ptsname_r(int fd, byte* buffer, nuint length);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, WinSize* size);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int isatty(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int tcsetattr(int fd, int when, byte* termios);

    [LibraryImport(Library)]
    public static partial void cfmakeraw(byte* termios);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, uint owner, uint group);
}
