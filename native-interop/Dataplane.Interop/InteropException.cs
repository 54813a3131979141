using System.Runtime.InteropServices;

namespace Dataplane.Interop;

/// <summary>
/// A failed native operation: which operation, on which object, and the errno the kernel returned.
/// Callers test <see cref="Errno"/> (e.g. ENOENT for "no such key") instead of parsing messages.
/// </summary>
public sealed class InteropException : Exception
{
    public InteropException(string operation, string? target, Errno errno, string? detail = null)
        : base(Format(operation, target, errno, detail))
    {
        Operation = operation;
        Target = target;
        Errno = errno;
    }

    public string Operation { get; }
    public string? Target { get; }
    public Errno Errno { get; }

    /// <summary>Throws for the calling thread's last errno (read through Marshal.GetLastPInvokeError).</summary>
    public static InteropException FromLastError(string operation, string? target, string? detail = null)
        => new(operation, target, (Errno)Marshal.GetLastPInvokeError(), detail);

    /// <summary>libbpf returns -errno from most calls; this turns such a return value into the exception.</summary>
    public static InteropException FromNegativeReturn(string operation, string? target, long ret, string? detail = null)
        => new(operation, target, (Errno)(int)-ret, detail);

    private static string Format(string operation, string? target, Errno errno, string? detail)
    {
        var what = target is null ? operation : $"{operation} '{target}'";
        var why = $"{Errnos.Name(errno)} ({(int)errno}): {Errnos.Describe(errno)}";
        return detail is null ? $"{what} failed: {why}" : $"{what} failed: {why}; {detail}";
    }
}
