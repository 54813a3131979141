using System.Collections.Frozen;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Processes;

/// <summary>A numeric user and group for a sandboxed process; its supplementary groups are always cleared.</summary>
public readonly record struct ProcessUser(uint Uid, uint Gid);

/// <summary>
/// What a sandboxed process may do, as Docker's runtime sets it: these capabilities in the bounding,
/// effective and permitted sets (inheritable and ambient empty, as Docker since 20.10.14),
/// optionally another user, and no_new_privs so no setuid binary or file capability gives more.
/// Applied to the calling thread by <see cref="Namespaces.ProcessIsolation"/>, which then starts the
/// child: capabilities, credentials and no_new_privs are per thread and a child inherits its
/// creator's, so the rest of this process keeps all of its own.
/// </summary>
public sealed record ProcessPrivileges(IReadOnlySet<Capability> Capabilities, ProcessUser? User = null, bool NoNewPrivileges = true)
{
    /// <summary>Docker's default set (moby's oci/caps/defaults.go).</summary>
    public static IReadOnlySet<Capability> DockerDefaultCapabilities { get; } = new[]
    {
        Capability.CHOWN, Capability.DAC_OVERRIDE, Capability.FSETID, Capability.FOWNER, Capability.MKNOD, Capability.NET_RAW,
        Capability.SETGID, Capability.SETUID, Capability.SETFCAP, Capability.SETPCAP, Capability.NET_BIND_SERVICE,
        Capability.SYS_CHROOT, Capability.KILL, Capability.AUDIT_WRITE,
    }.ToFrozenSet();

    public static ProcessPrivileges DockerDefault { get; } = new(DockerDefaultCapabilities);

    /// <summary>The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap).</summary>
    public static int LastCapability => LastCap.Value;

    private static readonly Lazy<int> LastCap = new(() => int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Every capability this process holds in its bounding set: what `--privileged` can give (no more than the daemon has).</summary>
    public static IReadOnlySet<Capability> Held() => Enum.GetValues<Capability>()
        .Where(c => (int)c <= LastCapability && prctl(PR_CAPBSET_READ, (nuint)c, 0, 0, 0) == 1)
        .ToFrozenSet();

    /// <summary>`--privileged`: every capability held, no no_new_privs.</summary>
    public static ProcessPrivileges Privileged(ProcessUser? user = null) => new(Held(), user, NoNewPrivileges: false);

    /// <summary>
    /// Narrows the calling thread to these privileges: bounding set first (needs CAP_SETPCAP), then the
    /// user (needs CAP_SETUID/SETGID; a non-root uid loses its permitted and effective sets, as after
    /// execve), then the remaining sets, then no_new_privs. The thread must never run anything else.
    /// </summary>
    internal void ApplyToCurrentThread()
    {
        ulong wanted = 0;
        foreach (var c in Capabilities)
        {
            if ((int)c > LastCapability || (int)c < 0)
                throw new InteropException("give capability", Name(c), Errno.EINVAL, $"this kernel knows capabilities up to {LastCapability}");
            wanted |= 1UL << (int)c;
        }
        for (int cap = 0; cap <= LastCapability; cap++)
        {
            bool held = prctl(PR_CAPBSET_READ, (nuint)cap, 0, 0, 0) == 1;
            bool keep = (wanted & (1UL << cap)) != 0;
            if (keep && !held)
                throw new InteropException("give capability", Name((Capability)cap), Errno.EPERM, "this process does not hold it");
            if (!keep && held && prctl(PR_CAPBSET_DROP, (nuint)cap, 0, 0, 0) != 0)
                throw InteropException.FromLastError("drop capability from the bounding set", Name((Capability)cap));
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) throw InteropException.FromLastError("clear ambient capabilities", null);
        if (User is { } user) SwitchUser(user);
        SetCapabilities(User is { Uid: not 0 } ? 0 : wanted);
        if (NoNewPrivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw InteropException.FromLastError("set no_new_privs", null);
    }

    private static void SwitchUser(ProcessUser user)
    {
        var (setgroups, setresuid, setresgid) = CredentialSyscalls;
        var who = $"{user.Uid}:{user.Gid}";
        if (syscall(setgroups, 0, 0, 0) != 0) throw InteropException.FromLastError("clear supplementary groups", who);
        if (syscall(setresgid, (nint)user.Gid, (nint)user.Gid, (nint)user.Gid) != 0) throw InteropException.FromLastError("set group", who);
        if (syscall(setresuid, (nint)user.Uid, (nint)user.Uid, (nint)user.Uid) != 0) throw InteropException.FromLastError("set user", who);
    }

    private static unsafe void SetCapabilities(ulong effectiveAndPermitted)
    {
        var header = new __user_cap_header_struct { version = _LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc __user_cap_data_struct[2];
        data[0] = new __user_cap_data_struct { effective = (uint)effectiveAndPermitted, permitted = (uint)effectiveAndPermitted };
        data[1] = new __user_cap_data_struct { effective = (uint)(effectiveAndPermitted >> 32), permitted = (uint)(effectiveAndPermitted >> 32) };
        if (capset(&header, data) != 0) throw InteropException.FromLastError("set capabilities", $"0x{effectiveAndPermitted:x}");
    }

    private static string Name(Capability c) => Enum.IsDefined(c) ? "CAP_" + c : $"capability {(int)c}";
}
