using System.Globalization;
using System.Text;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Files;

/// <summary>
/// An exclusive, non-blocking flock on a file, holding the holder's pid so a second claimant can say
/// who has it. The kernel releases the lock when the holder's descriptor closes, also when it is
/// killed, so a stale pid in the file never blocks anyone. flock locks belong to the open file, so
/// two claims from one process exclude each other as well.
/// </summary>
public sealed class ExclusiveLock : IDisposable
{
    private readonly FileDescriptorHandle _fd;

    private ExclusiveLock(FileDescriptorHandle fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock or throws: EAGAIN naming the holder's pid when another holds it.</summary>
    public static ExclusiveLock Acquire(string path)
        => TryAcquire(path, out int? holder) ?? throw new InteropException("lock", path, Errno.EAGAIN,
            holder is int pid ? $"held by process {pid}" : "held by another process that has not written its pid");

    /// <summary>Takes the lock, or returns null with the holder's pid (null if it has not written one yet).</summary>
    public static ExclusiveLock? TryAcquire(string path, out int? holderPid)
    {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0x1a4); // 0644: anyone may read who holds it
        if (fd < 0) throw InteropException.FromLastError("open lock file", path);
        var handle = new FileDescriptorHandle(fd);
        try
        {
            if (flock(fd, LOCK_EX | LOCK_NB) != 0)
            {
                var e = InteropException.FromLastError("lock", path);
                if (e.Errno != Errno.EAGAIN) throw e;
                holderPid = ReadPid(fd);
                handle.Dispose();
                return null;
            }
            WritePid(fd, path);
            holderPid = null;
            return new ExclusiveLock(handle, path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Clears the pid and releases the lock.</summary>
    public void Dispose()
    {
        if (_fd.IsClosed) return;
        ftruncate(_fd.Fd, 0);
        _fd.Dispose();
    }

    private static unsafe int? ReadPid(int fd)
    {
        byte* buffer = stackalloc byte[32];
        var n = pread(fd, buffer, 32, 0);
        if (n <= 0) return null;
        var text = Encoding.ASCII.GetString(buffer, (int)n).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private static unsafe void WritePid(int fd, string path)
    {
        var bytes = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        if (ftruncate(fd, 0) != 0) throw InteropException.FromLastError("truncate lock file", path);
        fixed (byte* b = bytes)
            if (pwrite(fd, b, (nuint)bytes.Length, 0) != bytes.Length) throw InteropException.FromLastError("write pid to lock file", path);
    }
}
