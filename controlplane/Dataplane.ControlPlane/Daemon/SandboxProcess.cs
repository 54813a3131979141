using System.Diagnostics;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// A container's command, supervised by the daemon: started in the sandbox's namespaces
/// (forked from a thread that entered them), its output appended to the container's log file.
/// </summary>
public sealed class SandboxProcess
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SandboxProcess(Process process, string logPath)
    {
        _process = process;
        LogPath = logPath;
    }

    public string LogPath { get; }
    public int Pid => _process.Id;
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
        var sandbox = new SandboxProcess(process, logPath);
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

    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already gone
    }
}
