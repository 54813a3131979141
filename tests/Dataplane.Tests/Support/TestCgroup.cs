using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Support;

/// <summary>
/// A cgroup v2 directory of our own (dpt-PID-RAND-role, never the root cgroup) for the socket hooks:
/// programs attached through links, entered by the test process itself (<see cref="Enter"/>) or by a
/// shell (<see cref="EnterCommand"/>). On dispose the process returns to where it was, the links are
/// destroyed and the directory removed once the processes in it have left. Never touches any other
/// cgroup's attachments; what a crashed run left is removed by <see cref="LeftoverSweeper"/>.
/// </summary>
public sealed class TestCgroup : IDisposable
{
    private readonly string _origin;
    private readonly List<BpfLink> _links = [];
    private bool _entered;

    public TestCgroup(string? name = null)
    {
        LeftoverSweeper.SweepOnce();
        var root = Root ?? throw new InvalidOperationException("no cgroup2 mount found");
        var own = File.ReadAllLines("/proc/self/cgroup").First(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
        _origin = System.IO.Path.Combine(root, own.TrimStart('/'));
        Path = System.IO.Path.Combine(root, name ?? TestNames.Unique("cg"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>Where cgroup2 is mounted, or null.</summary>
    public static string? Root => File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' '))
        .Where(f => f.Length > 8 && f[Array.IndexOf(f, "-") + 1] == "cgroup2").Select(f => f[4]).FirstOrDefault();

    public string Path { get; }

    /// <summary>A shell command prefix that moves the shell into this cgroup before running the rest.</summary>
    public string EnterCommand => $"echo $$ > {Path}/cgroup.procs;";

    public void Attach(BpfProgram program) => _links.Add(program.AttachCgroup(Path));

    /// <summary>Moves the whole test process in (see ProcessCgroupCollection: nothing else may run meanwhile).</summary>
    public void Enter()
    {
        File.WriteAllText(System.IO.Path.Combine(Path, "cgroup.procs"), Environment.ProcessId.ToString());
        _entered = true;
    }

    public void Leave()
    {
        if (!_entered) return;
        File.WriteAllText(System.IO.Path.Combine(_origin, "cgroup.procs"), Environment.ProcessId.ToString());
        _entered = false;
    }

    public void Dispose()
    {
        try
        {
            Leave();
        }
        finally
        {
            foreach (var link in _links) link.Dispose();
            if (Directory.Exists(Path))
            {
                // rmdir fails with EBUSY while a process (e.g. a shell just exiting) is still inside.
                Wait.Until(IsEmpty, $"processes leaving {Path}");
                Directory.Delete(Path);
            }
        }
    }

    private bool IsEmpty() => File.ReadAllText(System.IO.Path.Combine(Path, "cgroup.procs")).Trim().Length == 0;
}
