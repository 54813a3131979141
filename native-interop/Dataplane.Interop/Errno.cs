using System.Runtime.InteropServices;
using Dataplane.Interop.Native;

namespace Dataplane.Interop;

/// <summary>Linux errno values the interop layer and its callers reason about.</summary>
public enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EISDIR = 21,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    ENOTDIR = 20,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOSPC = 28,
    ERANGE = 34,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENOMSG = 42,
    ENODATA = 61,
    EPROTO = 71,
    EBADMSG = 74,
    EOVERFLOW = 75,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
    ENETUNREACH = 101,
    ENOBUFS = 105,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    ENOTSUPP = 524,
}

public static class Errnos
{
    public static string Name(Errno errno) => Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}";

    /// <summary>The C library's text for the errno (strerror), so messages read like the kernel's tools.</summary>
    public static string Describe(Errno errno)
    {
        if (errno == Errno.ENOTSUPP) return "Operation not supported (kernel-internal ENOTSUPP)";
        var text = Marshal.PtrToStringUTF8(Libc.strerror((int)errno));
        return text ?? $"errno {(int)errno}";
    }
}
