using System.Diagnostics;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// A container's command, supervised by the daemon: started in the sandbox's namespaces
/// (forked from a thread that entered them), its output appended to the container's log file.
/// </summary>
public sealed class SandboxProcess
{
    /// <summary>What Docker reports for a container whose exit it could not see (it ran on while the daemon was down).</summary>
    public const int UnknownExitCode = 255;

    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SandboxProcess(int pid) => Pid = pid;

    public int Pid { get; }
    public Task<int> Exited => _exited.Task;

    public static SandboxProcess Start(ProcessIsolation isolation, IReadOnlyList<string> command, IEnumerable<string> env, string logPath, Action<int> onExit)
    {
        if (command.Count == 0) throw DataplaneException.Invalid("No command specified");
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        foreach (var kv in env)
        {
            int eq = kv.IndexOf('=');
            if (eq > 0) info.Environment[kv[..eq]] = kv[(eq + 1)..];
        }
        Process process;
        try
        {
            process = isolation.Run(() => Process.Start(info)!);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw DataplaneException.Invalid($"failed to create task for container: exec: \"{command[0]}\": {e.Message}");
        }
        process.StandardInput.Close();
        var sandbox = new SandboxProcess(process.Id);
        // Unbuffered, so `logs` sees output as it comes; one writer at a time for both pipes.
        var log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var gate = new SemaphoreSlim(1);
        var pumps = Task.WhenAll(Pump(process.StandardOutput.BaseStream, log, gate), Pump(process.StandardError.BaseStream, log, gate));
        _ = Task.Run(async () =>
        {
            await process.WaitForExitAsync();
            await pumps;
            await log.DisposeAsync();
            int code = process.ExitCode;
            process.Dispose();
            onExit(code);
            sandbox._exited.TrySetResult(code);
        });
        return sandbox;
    }

    private static async Task Pump(Stream from, FileStream log, SemaphoreSlim gate)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer)) > 0)
        {
            await gate.WaitAsync();
            try { await log.WriteAsync(buffer.AsMemory(0, n)); }
            finally { gate.Release(); }
        }
    }

    /// <summary>
    /// A container process that outlived an earlier daemon (not our child, so no exit code): watched
    /// until it is gone.
    /// </summary>
    public static SandboxProcess Adopt(int pid, Action<int> onExit)
    {
        var sandbox = new SandboxProcess(pid);
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
