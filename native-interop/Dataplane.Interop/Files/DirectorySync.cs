using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Files;

/// <summary>fsync of a directory, so a rename inside it survives a crash (.NET cannot open a directory as a file).</summary>
public static class DirectorySync
{
    public static void Fsync(string directory)
    {
        int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) throw InteropException.FromLastError("open directory for fsync", directory);
        using var handle = new FileDescriptorHandle(fd);
        if (fsync(fd) != 0) throw InteropException.FromLastError("fsync directory", directory);
    }
}
