using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Support;

public sealed class LeftoverSweeperTests
{
    [PrivilegedFact]
    public void SweepLeftovers_DeadOwner_NamespacePinsAndCgroupRemoved_LiveOwnersKept()
    {
        int dead = DeadPid();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var orphanNs = $"{TestNames.Prefix}{dead}-{tag}-ns";
        var orphanPins = Path.Combine(BpfFs.DefaultRoot, $"{TestNames.Prefix}{dead}-{tag}-pins");
        var orphanDataPathPins = Path.Combine(BpfFs.DefaultRoot, $"{TestNames.Prefix}dp-{dead}-{tag}");
        var orphanCgroup = Path.Combine(TestCgroup.Root!, $"{TestNames.Prefix}{dead}-{tag}-cg");
        var liveNs = TestNames.Unique("live");
        try
        {
            NetworkNamespace.Create(orphanNs).Dispose();
            NetworkNamespace.Create(liveNs).Dispose();
            Directory.CreateDirectory(orphanPins);
            Directory.CreateDirectory(orphanDataPathPins);
            Directory.CreateDirectory(orphanCgroup);

            Assert.True(LeftoverSweeper.SweepLeftovers() >= 4);

            Assert.False(NetworkNamespace.Exists(orphanNs));
            Assert.False(Directory.Exists(orphanPins));
            Assert.False(Directory.Exists(orphanDataPathPins));
            Assert.False(Directory.Exists(orphanCgroup));
            Assert.True(NetworkNamespace.Exists(liveNs));
        }
        finally
        {
            NetworkNamespace.Delete(orphanNs);
            NetworkNamespace.Delete(liveNs);
            BpfFs.RemovePinDirectory(orphanPins);
            BpfFs.RemovePinDirectory(orphanDataPathPins);
            if (Directory.Exists(orphanCgroup)) Directory.Delete(orphanCgroup);
        }
    }

    /// <summary>The pid of a process that has ended (and been reaped).</summary>
    private static int DeadPid()
    {
        using var p = System.Diagnostics.Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }
}
