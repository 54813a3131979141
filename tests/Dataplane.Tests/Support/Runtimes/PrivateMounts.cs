namespace Dataplane.Tests.Support.Runtimes;

/// <summary>
/// The shell prologue a runtime launcher runs first, inside `unshare --mount --propagation private`
/// in a test network namespace: a sysfs of that namespace, the cgroup hierarchies and bpffs mounted
/// exactly as PID 1 has them (runc, containerd and dockerd fail without them), and tmpfs over the
/// runtimes' fixed state directories so nothing they write there reaches the host.
/// </summary>
public static class PrivateMounts
{
    public static string Prologue(params string[] privateRunDirs)
    {
        var lines = new List<string> { "set -e", "mount -t sysfs sysfs /sys" };
        foreach (var (type, target, options) in MountsOfPid1())
        {
            if (type == "tmpfs" && target == "/sys/fs/cgroup" || type is "cgroup" or "cgroup2" || type == "bpf")
                lines.Add($"mkdir -p {target} && mount -t {type} -o {options} {type} {target}");
        }
        foreach (var dir in privateRunDirs) lines.Add($"mkdir -p {dir} && mount -t tmpfs -o mode=711 tmpfs {dir}");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>PID 1's cgroup, cgroup2, bpf and /sys/fs/cgroup tmpfs mounts, in mount order, options minus rw/relatime/seclabel.</summary>
    private static IEnumerable<(string Type, string Target, string Options)> MountsOfPid1()
    {
        foreach (var line in File.ReadLines("/proc/1/mounts"))
        {
            var f = line.Split(' ');
            if (f.Length < 4 || !f[1].StartsWith("/sys/fs/", StringComparison.Ordinal)) continue;
            var options = f[3].Split(',').Where(o => o is not ("rw" or "relatime" or "seclabel")).ToList();
            yield return (f[2], f[1], options.Count == 0 ? "defaults" : string.Join(',', options));
        }
    }
}
