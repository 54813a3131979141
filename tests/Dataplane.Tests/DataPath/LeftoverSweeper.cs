namespace Dataplane.Tests.DataPath;

/// <summary>Removes what crashed earlier runs left behind: bpffs pin directories and cgroups named
/// dpt-dp-PID-* whose process no longer exists. Runs once per test process.</summary>
internal static class LeftoverSweeper
{
    private static readonly Lazy<int> Swept = new(Sweep);

    public static void EnsureSwept() => _ = Swept.Value;

    private static int Sweep()
    {
        int removed = 0;
        var roots = new List<string> { "/sys/fs/bpf" };
        var cgroup2 = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).FirstOrDefault(f => f[2] == "cgroup2")?[1];
        if (cgroup2 is not null) roots.Add(cgroup2);
        foreach (var root in roots.Where(Directory.Exists))
            foreach (var dir in Directory.GetDirectories(root, "dpt-dp-*"))
            {
                var parts = Path.GetFileName(dir).Split('-');
                if (parts.Length < 4 || !int.TryParse(parts[2], out var pid) || Directory.Exists($"/proc/{pid}")) continue;
                try
                {
                    if (root == cgroup2) Directory.Delete(dir); // a cgroup is removed with rmdir, its files are virtual
                    else Directory.Delete(dir, recursive: true);
                    removed++;
                }
                catch (IOException) { } // still in use: leave it for a later run
                catch (UnauthorizedAccessException) { }
            }
        return removed;
    }
}
