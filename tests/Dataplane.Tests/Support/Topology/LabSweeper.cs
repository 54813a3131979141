using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Support.Topology;

/// <summary>Removes what crashed test runs left: namespaces and bpffs directories whose owner pid is gone.</summary>
public static class LabSweeper
{
    private static int _swept;

    /// <summary>Once per test process.</summary>
    public static void SweepOnce()
    {
        if (Interlocked.Exchange(ref _swept, 1) == 0 && Privileges.IsRoot) SweepLeftovers();
    }

    public static int SweepLeftovers()
    {
        int removed = 0;
        foreach (var name in NetworkNamespace.List())
            if (IsOrphan(name) && NetworkNamespace.Delete(name)) removed++;
        if (Directory.Exists(BpfFs.DefaultRoot))
            foreach (var dir in Directory.GetDirectories(BpfFs.DefaultRoot))
                if (IsOrphan(Path.GetFileName(dir))) { BpfFs.RemovePinDirectory(dir); removed++; }
        return removed;
    }

    private static bool IsOrphan(string name) => TestNames.OwnerPid(name) is int pid && !Directory.Exists($"/proc/{pid}");
}
