using Dataplane.Interop.Processes;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Support.Runtimes;

/// <summary>
/// Ends a test runtime completely, by pid: every process in its network namespace (dockerd,
/// containerd, shims), in its cgroup parent (the containers, which live in namespaces of their
/// own), or whose command line names its state directory. Then removes its cgroups and state
/// directory. The private mount namespace, and with it every overlay and netns mount the engine
/// made, dies with its last process.
/// </summary>
public static class RuntimeReaper
{
    private const string StateRoot = "/tmp";

    /// <summary>The state directory of the runtime named <paramref name="tag"/> (a TestNames.Unique name).</summary>
    public static string StateDirOf(string tag) => Path.Combine(StateRoot, tag);

    public static void Reap(string tag, ulong? netnsInode)
    {
        var stateDir = StateDirOf(tag);
        for (int round = 0; round < 50; round++)
        {
            var pids = Processes().Where(p => Belongs(p, tag, stateDir, netnsInode)).ToList();
            if (pids.Count == 0) break;
            foreach (var pid in pids) ProcessImage.Signal(pid, ProcessImage.SIGKILL);
            Thread.Sleep(100);
        }
        RemoveCgroups(tag);
        if (Directory.Exists(stateDir)) Directory.Delete(stateDir, recursive: true);
    }

    /// <summary>Reaps what crashed test runs left (their owner pid is gone), then runs the leftover sweeper.</summary>
    public static void SweepLeftovers()
    {
        var tags = Directory.GetDirectories(StateRoot, TestNames.Prefix + "*").Select(Path.GetFileName)
            .Concat(CgroupRoots().SelectMany(r => Directory.GetDirectories(r, TestNames.Prefix + "*")).Select(Path.GetFileName))
            .OfType<string>().Where(t => TestNames.OwnerPid(t) is int pid && !Directory.Exists($"/proc/{pid}"))
            .Distinct().ToList();
        foreach (var tag in tags) Reap(tag, null);
        LeftoverSweeper.SweepLeftovers();
    }

    private static bool Belongs(int pid, string tag, string stateDir, ulong? netnsInode)
    {
        if (pid == Environment.ProcessId) return false;
        try
        {
            if (netnsInode is ulong inode && NetnsInode($"/proc/{pid}/ns/net") == inode) return true;
            if (File.ReadAllText($"/proc/{pid}/cgroup").Contains("/" + tag, StringComparison.Ordinal)) return true;
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(stateDir, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone meanwhile
        }
    }

    /// <summary>The inode of a process's network namespace, from its /proc/PID/ns/net link ("net:[4026532288]").</summary>
    public static ulong NetnsInode(string link)
    {
        var target = new FileInfo(link).LinkTarget;
        if (target is null || !target.StartsWith("net:[", StringComparison.Ordinal)) throw new IOException($"{link} is not a network namespace link");
        return ulong.Parse(target.AsSpan(5, target.Length - 6));
    }

    /// <summary>The inode of a named or opened namespace, read from a thread inside it.</summary>
    public static ulong NetnsInode(Dataplane.Interop.Namespaces.NetworkNamespace ns) => ns.Run(() => NetnsInode("/proc/thread-self/ns/net"));

    private static IEnumerable<int> Processes()
        => Directory.GetDirectories("/proc").Select(Path.GetFileName).Select(n => int.TryParse(n, out int pid) ? pid : 0).Where(p => p > 1);

    private static IEnumerable<string> CgroupRoots()
        => Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup").Prepend("/sys/fs/cgroup") : [];

    /// <summary>Empty cgroups only: children first, as rmdir requires.</summary>
    private static void RemoveCgroups(string tag)
    {
        foreach (var root in CgroupRoots())
        {
            var dir = Path.Combine(root, tag);
            if (!Directory.Exists(dir)) continue;
            foreach (var sub in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(dir))
            {
                try { Directory.Delete(sub); } catch (IOException) { } // cgroupfs: rmdir, not a recursive delete
            }
        }
    }
}
