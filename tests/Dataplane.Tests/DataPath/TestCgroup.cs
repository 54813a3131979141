using System.Runtime.InteropServices;
using static Dataplane.Tests.DataPath.TestLibbpf;

namespace Dataplane.Tests.DataPath;

/// <summary>A cgroup v2 directory of our own (dpt-dp-PID-RAND) with programs attached; the test
/// process enters it while sockets are exercised and returns to where it was; everything is
/// detached and removed on dispose. Never touches the root cgroup's attachments.</summary>
internal sealed partial class TestCgroup : IDisposable
{
    public const int InetConnect4 = 10, UdpSendmsg4 = 14, UdpRecvmsg4 = 19, InetGetpeername4 = 29;

    private readonly string _path;
    private readonly string _origin;
    private readonly int _dir;
    private readonly List<(int Prog, int Type)> _attached = [];
    private bool _entered;

    public TestCgroup()
    {
        var root = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).First(f => f[2] == "cgroup2")[1];
        var own = File.ReadAllLines("/proc/self/cgroup").First(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
        _origin = Path.Combine(root, own.TrimStart('/'));
        _path = Path.Combine(root, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(_path);
        _dir = open(_path, 0x10000 /* O_RDONLY | O_DIRECTORY */);
        if (_dir < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Directory.Delete(_path);
            throw new InvalidOperationException($"open {_path}: errno {errno}");
        }
    }

    public void Attach(int progFd, int type)
    {
        var rc = bpf_prog_attach(progFd, _dir, type, 0);
        if (rc != 0) throw new InvalidOperationException($"bpf_prog_attach type {type} to {_path}: {rc}");
        _attached.Add((progFd, type));
    }

    public void Enter()
    {
        File.WriteAllText(Path.Combine(_path, "cgroup.procs"), Environment.ProcessId.ToString());
        _entered = true;
    }

    public void Leave()
    {
        if (!_entered) return;
        File.WriteAllText(Path.Combine(_origin, "cgroup.procs"), Environment.ProcessId.ToString());
        _entered = false;
    }

    public void Dispose()
    {
        Leave();
        foreach (var (prog, type) in _attached) bpf_prog_detach2(prog, _dir, type);
        close(_dir);
        Directory.Delete(_path);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
