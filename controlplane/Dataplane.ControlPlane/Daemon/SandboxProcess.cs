using System.Diagnostics;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Processes;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// A container's command, supervised by the daemon: spawned in the sandbox's namespaces (from a
/// thread that entered them) with its stdout and stderr appended straight to the container's two log
/// files (<see cref="ContainerLog"/>), so output and process both outlive a daemon that crashes.
/// </summary>
public sealed class SandboxProcess
{
    /// <summary>What Docker reports for a container whose exit it could not see (it ran on while the daemon was down).</summary>
    public const int UnknownExitCode = 255;

    // Docker's environment for an image that sets none: the container gets nothing of the daemon's.
    private static readonly string[] DefaultEnvironment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"];

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SandboxProcess(int pid) => Pid = pid;

    public int Pid { get; }
    public Task<int> Exited => _exited.Task;

    public static SandboxProcess Start(ProcessIsolation isolation, IReadOnlyList<string> command, IEnumerable<string> env, ContainerLog log, Action<int> onExit)
    {
        if (command.Count == 0) throw DataplaneException.Invalid("No command specified");
        SpawnedProcess process;
        var (stdout, stderr) = log.OpenForChild(); // before the sandbox hides the state directory
        try
        {
            process = isolation.Run(() => SpawnedProcess.Start(command, Environment(env), new ChildStdio(null, stdout, stderr)));
        }
        catch (InteropException e) when (e.Errno is Errno.ENOENT or Errno.EACCES)
        {
            var why = e.Errno == Errno.ENOENT ? "executable file not found in $PATH" : "permission denied";
            throw DataplaneException.Invalid($"failed to create task for container: exec: \"{command[0]}\": {why}");
        }
        finally
        {
            stdout.Dispose();
            stderr.Dispose();
        }
        var sandbox = new SandboxProcess(process.Pid);
        _ = process.WaitForExitAsync().ContinueWith(t =>
        {
            int code = t.IsCompletedSuccessfully ? t.Result : UnknownExitCode;
            onExit(code);
            sandbox._exited.TrySetResult(code);
        }, TaskScheduler.Default);
        log.StampUntil(sandbox.Exited);
        return sandbox;
    }

    /// <summary>Defaults, then the container's entries; a later KEY replaces an earlier one.</summary>
    internal static List<string> Environment(IEnumerable<string> env)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in DefaultEnvironment.Concat(env))
        {
            int eq = kv.IndexOf('=');
            if (eq > 0) byKey[kv[..eq]] = kv;
        }
        return [.. byKey.Values];
    }

    /// <summary>
    /// A container process that outlived an earlier daemon (not our child, so no exit code): watched
    /// until it is gone.
    /// </summary>
    public static SandboxProcess Adopt(int pid, Action<int> onExit, ContainerLog log)
    {
        var sandbox = new SandboxProcess(pid);
        log.StampUntil(sandbox.Exited);
        _ = Task.Run(async () =>
        {
            while (IsAlive(pid)) await Task.Delay(500);
            onExit(UnknownExitCode);
            sandbox._exited.TrySetResult(UnknownExitCode);
        });
        return sandbox;
    }

    /// <summary>Running (a zombie waiting for its reaper counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')'); // the command name may hold spaces and parentheses
            return end > 0 && end + 2 < stat.Length && stat[end + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Delivers a signal to the command itself (not its children), as `docker kill -s` and `stop` do.</summary>
    public void Signal(int signal) => Signals.Send(Pid, signal);

    public void Kill()
    {
        try
        {
            using var process = Process.GetProcessById(Pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { } // already gone
    }
}
