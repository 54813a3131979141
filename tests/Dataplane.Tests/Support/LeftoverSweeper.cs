using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Support;

/// <summary>
/// Removes what crashed test runs left: network namespaces, bpffs directories and cgroups named by
/// <see cref="TestNames"/> whose owner pid is gone. Runs once per test process, before its first
/// namespace, data path or cgroup; something still in use is left for a later run.
/// </summary>
public static class LeftoverSweeper
{
    private static readonly Lazy<int> Swept = new(() => Privileges.IsRoot ? SweepLeftovers() : 0);

    public static void SweepOnce() => _ = Swept.Value;

    /// <summary>How many leftovers were removed.</summary>
    public static int SweepLeftovers()
    {
        int removed = 0;
        foreach (var name in NetworkNamespace.List().Where(IsOrphan))
            removed += Try(() => NetworkNamespace.Delete(name));
        foreach (var dir in Orphans(BpfFs.DefaultRoot))
            removed += Try(() => { BpfFs.RemovePinDirectory(dir); return true; });
        foreach (var dir in Orphans(TestCgroup.Root))
            removed += Try(() => { Directory.Delete(dir); return true; }); // rmdir: a cgroup's files are virtual
        return removed;
    }

    private static IEnumerable<string> Orphans(string? root)
        => root is not null && Directory.Exists(root) ? Directory.GetDirectories(root, TestNames.Prefix + "*").Where(d => IsOrphan(Path.GetFileName(d))) : [];

    private static bool IsOrphan(string name) => TestNames.OwnerPid(name) is int pid && !Directory.Exists($"/proc/{pid}");

    private static int Try(Func<bool> remove)
    {
        try { return remove() ? 1 : 0; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Dataplane.Interop.InteropException) { return 0; } // still in use
    }
}
