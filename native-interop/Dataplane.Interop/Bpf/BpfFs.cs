using Dataplane.Interop.Native;

namespace Dataplane.Interop.Bpf;

/// <summary>The BPF filesystem: where maps and links are pinned so they outlive a process.</summary>
public static unsafe class BpfFs
{
    public const string DefaultRoot = "/sys/fs/bpf";
    private const long BPF_FS_MAGIC = 0xcafe4a11;

    public static bool IsMounted(string path = DefaultRoot)
    {
        byte* buf = stackalloc byte[120]; // struct statfs; f_type is its first field
        return Libc.statfs(path, buf) == 0 && *(long*)buf == BPF_FS_MAGIC;
    }

    /// <summary>Mounts bpffs at <paramref name="path"/> unless it is there already.</summary>
    public static void EnsureMounted(string path = DefaultRoot)
    {
        if (IsMounted(path)) return;
        Directory.CreateDirectory(path);
        if (Libc.mount("bpf", path, "bpf", 0, 0) != 0) throw InteropException.FromLastError("mount bpffs", path);
    }

    /// <summary>Creates a pin directory inside a mounted bpffs.</summary>
    public static string CreatePinDirectory(string path)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path)) ?? DefaultRoot;
        if (!IsMounted(parent) && !IsMounted(path))
            throw new InteropException("create pin directory", path, Errno.EINVAL, $"{parent} is not a bpffs mount");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes every pin under <paramref name="path"/> and the directory itself.</summary>
    public static void RemovePinDirectory(string path)
    {
        if (!Directory.Exists(path)) return;
        Directory.Delete(path, recursive: true);
    }
}
