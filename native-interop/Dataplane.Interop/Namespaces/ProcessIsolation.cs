using System.Text;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Namespaces;

/// <summary>A file bound over another inside a private mount namespace (e.g. a sandbox's hosts over /etc/hosts).</summary>
public readonly record struct BindMount(string Source, string Target);

/// <summary>
/// Where a child process starts: optionally inside a network namespace, with a private UTS namespace
/// carrying its own hostname, and with a private mount namespace in which files are bound over the
/// host's. Code passed to <see cref="Run{T}"/> runs on a dedicated thread that made those changes,
/// so a process started there inherits them; the host's namespaces are never changed, and the
/// private mounts never propagate back (the thread's copy of / is made a slave first).
/// </summary>
public sealed record ProcessIsolation(NetworkNamespace? Network, string? Hostname = null, IReadOnlyList<BindMount>? Binds = null)
{
    public T Run<T>(Func<T> func) => DedicatedThread.Run(() =>
    {
        var binds = Binds ?? [];
        int flags = (binds.Count > 0 ? CLONE_NEWNS : 0) | (Hostname is null ? 0 : CLONE_NEWUTS);
        if (flags != 0 && unshare(flags) != 0) throw InteropException.FromLastError("unshare mount/UTS namespace", Hostname ?? "sandbox");
        if (binds.Count > 0)
        {
            if (mount(null, "/", null, MS_REC | MS_SLAVE, 0) != 0) throw InteropException.FromLastError("make / a slave mount", "/");
            foreach (var b in binds)
                if (mount(b.Source, b.Target, null, MS_BIND, 0) != 0) throw InteropException.FromLastError("bind-mount", $"{b.Source} over {b.Target}");
        }
        if (Hostname is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(Hostname);
            if (sethostname(bytes, (nuint)bytes.Length) != 0) throw InteropException.FromLastError("set hostname", Hostname);
        }
        if (Network is not null && setns(Network.Fd, CLONE_NEWNET) != 0)
            throw InteropException.FromLastError("enter network namespace", Network.Name ?? Network.Description);
        return func();
    });
}
