using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Namespaces;

/// <summary>
/// A network namespace held open by an nsfs file descriptor. Named namespaces live at
/// /run/netns/NAME exactly as `ip netns` makes them, so `ip netns exec NAME` works on ours.
/// Code runs inside one on a dedicated thread that enters only the network namespace (never the
/// mount namespace, so bpffs pins stay visible) and then ends: a thread that called setns is
/// never returned to a pool.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    public const string NamedRoot = "/run/netns";
    private readonly FileDescriptorHandle _fd;

    private NetworkNamespace(FileDescriptorHandle fd, string description, string? name)
    {
        _fd = fd;
        Description = description;
        Name = name;
    }

    /// <summary>The name under /run/netns, or null for a namespace opened by path or pid.</summary>
    public string? Name { get; }
    public string Description { get; }
    public int Fd => _fd.Fd;

    public static string PathOf(string name)
    {
        ValidateName(name);
        return Path.Combine(NamedRoot, name);
    }

    public static bool Exists(string name) => File.Exists(PathOf(name));

    public static IReadOnlyList<string> List()
        => Directory.Exists(NamedRoot) ? Directory.GetFiles(NamedRoot).Select(Path.GetFileName).OfType<string>().Order().ToList() : [];

    /// <summary>Creates /run/netns/NAME holding a new, empty network namespace (only lo, down).</summary>
    public static NetworkNamespace Create(string name)
    {
        var path = PathOf(name);
        EnsureNamedRoot();
        try
        {
            using (new FileStream(path, FileMode.CreateNew)) { }
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new InteropException("create network namespace", name, Errno.EEXIST, "a namespace with this name exists");
        }
        try
        {
            DedicatedThread.Run(() =>
            {
                if (unshare(CLONE_NEWNET) != 0) throw InteropException.FromLastError("unshare network namespace", name);
                var self = $"/proc/self/task/{gettid()}/ns/net";
                if (mount(self, path, null, MS_BIND, 0) != 0) throw InteropException.FromLastError("bind-mount network namespace", path);
            });
            return OpenPath(path, name);
        }
        catch
        {
            umount2(path, MNT_DETACH);
            File.Delete(path);
            throw;
        }
    }

    public static NetworkNamespace Open(string name) => OpenPath(PathOf(name), name);

    /// <summary>A new, empty network namespace with no name, held only by the returned handle (gone with its last user).</summary>
    public static NetworkNamespace CreateAnonymous() => DedicatedThread.Run(() =>
    {
        if (unshare(CLONE_NEWNET) != 0) throw InteropException.FromLastError("unshare network namespace", "anonymous");
        return Current();
    });

    public static NetworkNamespace OpenPid(int pid) => OpenPath($"/proc/{pid}/ns/net", null);

    /// <summary>The namespace of the calling thread.</summary>
    public static NetworkNamespace Current() => OpenPath($"/proc/self/task/{gettid()}/ns/net", null);

    public static NetworkNamespace OpenPath(string path, string? name = null)
    {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw InteropException.FromLastError("open network namespace", name ?? path);
        return new NetworkNamespace(new FileDescriptorHandle(fd), path, name);
    }

    /// <summary>Unmounts and removes /run/netns/NAME; the namespace dies with its last user. False if absent.</summary>
    public static bool Delete(string name)
    {
        var path = PathOf(name);
        if (!File.Exists(path)) return false;
        if (umount2(path, MNT_DETACH) != 0)
        {
            var e = InteropException.FromLastError("unmount network namespace", name);
            if (e.Errno != Errno.EINVAL) throw e; // EINVAL: not a mount point (half-created); just remove the file
        }
        File.Delete(path);
        return true;
    }

    /// <summary>Runs <paramref name="action"/> on a new thread inside this namespace.</summary>
    public void Run(Action action) => Run(() => { action(); return 0; });

    public T Run<T>(Func<T> func)
    {
        int fd = Fd;
        var description = Name ?? Description;
        return DedicatedThread.Run(() =>
        {
            if (setns(fd, CLONE_NEWNET) != 0) throw InteropException.FromLastError("enter network namespace", description);
            return func();
        });
    }

    /// <summary>
    /// Moves the calling thread into this namespace until the returned scope is disposed, on the same
    /// thread. Only for a thread the caller owns for its whole life (a benchmark's, a fixture's);
    /// everything else uses <see cref="Run{T}"/>.
    /// </summary>
    public EnteredNamespace EnterOnCurrentThread() => EnteredNamespace.Enter(this);

    /// <summary>The kernel's cookie of this namespace (SO_NETNS_COOKIE), what BPF's bpf_get_netns_cookie returns.</summary>
    public unsafe ulong Cookie => Run(() =>
    {
        const int SO_NETNS_COOKIE = 71;
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (s < 0) throw InteropException.FromLastError("open socket", Description);
        try
        {
            ulong cookie;
            uint len = sizeof(ulong);
            if (getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0) throw InteropException.FromLastError("read netns cookie", Description);
            return cookie;
        }
        finally
        {
            close(s);
        }
    });

    public void Dispose() => _fd.Dispose();

    /// <summary>/run/netns as iproute2 makes it: a shared mount point, so later mounts propagate.</summary>
    private static void EnsureNamedRoot()
    {
        Directory.CreateDirectory(NamedRoot);
        if (mount("", NamedRoot, "none", MS_SHARED | MS_REC, 0) == 0) return;
        // Not a mount point yet: bind it onto itself first (what `ip netns add` does).
        if (mount(NamedRoot, NamedRoot, "none", MS_BIND | MS_REC, 0) != 0) throw InteropException.FromLastError("bind-mount", NamedRoot);
        if (mount("", NamedRoot, "none", MS_SHARED | MS_REC, 0) != 0) throw InteropException.FromLastError("make shared", NamedRoot);
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 200 || name is "." or ".." || name.Any(c => c == '/' || char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new ArgumentException($"invalid network namespace name '{name}'", nameof(name));
    }
}
