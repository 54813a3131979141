using System.Text;
using Dataplane.Interop.Processes;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Namespaces;

/// <summary>A file bound over another inside a private mount namespace (e.g. a sandbox's hosts over /etc/hosts).</summary>
public readonly record struct BindMount(string Source, string Target);

/// <summary>
/// Where a child process starts: optionally inside a network namespace, with a private UTS namespace
/// carrying its own hostname, and with a private mount namespace in which files are bound over the
/// host's and directories are hidden under an empty read-only tmpfs; optionally with narrowed
/// <see cref="ProcessPrivileges"/>. Code passed to <see cref="Run{T}"/> runs on a dedicated thread
/// that made those changes, so a process started there inherits them; the host's namespaces and the
/// rest of this process's privileges are never changed, and the private mounts never propagate back
/// (the thread's copy of / is made a slave first).
/// </summary>
/// <param name="Hidden">Directories the process must not see (the daemon's state, socket and pin
/// directories, /run/netns); missing ones are skipped. Open any file the child needs from them
/// (e.g. its log, <see cref="SpawnedProcess.OpenOutput"/>) before calling <see cref="Run{T}"/>.</param>
public sealed record ProcessIsolation(
    NetworkNamespace? Network,
    string? Hostname = null,
    IReadOnlyList<BindMount>? Binds = null,
    IReadOnlyList<string>? Hidden = null,
    ProcessPrivileges? Privileges = null)
{
    private const string HiddenOptions = "size=4k,nr_inodes=1,mode=0555";

    public T Run<T>(Func<T> func) => DedicatedThread.Run(() =>
    {
        var binds = Binds ?? [];
        var hidden = (Hidden ?? []).Where(Directory.Exists).ToList();
        bool privateMounts = binds.Count > 0 || hidden.Count > 0;
        int flags = (privateMounts ? CLONE_NEWNS : 0) | (Hostname is null ? 0 : CLONE_NEWUTS);
        if (flags != 0 && unshare(flags) != 0) throw InteropException.FromLastError("unshare mount/UTS namespace", Hostname ?? "sandbox");
        if (privateMounts && mount(null, "/", null, MS_REC | MS_SLAVE, 0) != 0) throw InteropException.FromLastError("make / a slave mount", "/");
        foreach (var b in binds)
            if (mount(b.Source, b.Target, null, MS_BIND, 0) != 0) throw InteropException.FromLastError("bind-mount", $"{b.Source} over {b.Target}");
        // After the binds: a bind whose source lies in a hidden directory keeps showing its file.
        foreach (var dir in hidden)
            if (mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, HiddenOptions) != 0)
                throw InteropException.FromLastError("hide directory", dir);
        if (Hostname is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(Hostname);
            if (sethostname(bytes, (nuint)bytes.Length) != 0) throw InteropException.FromLastError("set hostname", Hostname);
        }
        if (Network is not null && setns(Network.Fd, CLONE_NEWNET) != 0)
            throw InteropException.FromLastError("enter network namespace", Network.Name ?? Network.Description);
        Privileges?.ApplyToCurrentThread(); // last: everything above needs CAP_SYS_ADMIN
        return func();
    });
}
