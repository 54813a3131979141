using Dataplane.Interop.Bpf;

namespace Dataplane.Tests.DataPath;

/// <summary>A cgroup v2 directory of our own (dpt-dp-PID-RAND) with programs attached through links;
/// the test process enters it while sockets are exercised and returns to where it was; links are
/// destroyed and the directory removed on dispose. Never touches any other cgroup's attachments.</summary>
internal sealed class TestCgroup : IDisposable
{
    private readonly string _path;
    private readonly string _origin;
    private readonly List<BpfLink> _links = [];
    private bool _entered;

    public TestCgroup()
    {
        var root = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).First(f => f[2] == "cgroup2")[1];
        var own = File.ReadAllLines("/proc/self/cgroup").First(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
        _origin = System.IO.Path.Combine(root, own.TrimStart('/'));
        _path = System.IO.Path.Combine(root, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(_path);
    }

    public string Path => _path;

    public void Attach(BpfProgram program) => _links.Add(program.AttachCgroup(_path));

    public void Enter()
    {
        File.WriteAllText(System.IO.Path.Combine(_path, "cgroup.procs"), Environment.ProcessId.ToString());
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
            RemoveDirectory();
        }
    }

    // rmdir fails with EBUSY while a process (e.g. a child just exiting) is still inside.
    private void RemoveDirectory()
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_path);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                Thread.Sleep(20);
            }
        }
    }
}
