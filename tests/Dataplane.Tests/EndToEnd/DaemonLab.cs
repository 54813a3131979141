using System.Diagnostics;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// The real `dataplane daemon` running in a lab's fake host (uplink0, default bridge 198.19.0.0/16,
/// sandboxes named with this run's prefix, socket hooks on a cgroup of our own), and the real CLI
/// talking to it over its Unix socket. Everything is removed on dispose.
/// </summary>
public sealed class DaemonLab : IDisposable
{
    /// <summary>The `dataplane` command as users get it from `make build`: the NativeAOT client in out/, beside dataplane-daemon.</summary>
    public static readonly string CliPath = FindCli();
    private readonly string _prefix = TestNames.Unique("");
    private Process? _daemon;

    public DaemonLab()
    {
        if (!Privileges.IsRoot) return;
        if (!File.Exists(CliPath)) throw new InvalidOperationException($"{CliPath} is missing: `make build` publishes it");
        Lab = new Lab();
        try
        {
            Cgroup = new TestCgroup(_prefix + "cg");
            StateDir = Directory.CreateTempSubdirectory(_prefix).FullName;
            Socket = Path.Combine(StateDir, "dataplane.sock");
            PinDir = Path.Combine(BpfFs.DefaultRoot, _prefix + "pins");
            StartDaemon();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Lab Lab { get; } = null!;
    public TestCgroup Cgroup { get; } = null!;
    public string StateDir { get; } = null!;
    public string Socket { get; } = null!;
    public string PinDir { get; } = null!;
    public string SandboxPrefix => _prefix;
    public int DaemonPid => _daemon!.Id;

    /// <param name="crashAt">A step at which the daemon SIGKILLs itself (CrashPoints), for the fault suite.</param>
    /// <param name="extraArgs">More daemon flags.</param>
    public void StartDaemon(string? crashAt = null, string extraArgs = "")
    {
        var info = new ProcessStartInfo("nsenter",
            $"--net={NetworkNamespace.PathOf(Lab.Host.Name!)} -- {CliPath} daemon --host unix://{Socket} --state-dir {StateDir} " +
            $"--pin-dir {PinDir} --netns-prefix {_prefix} --uplink {Lab.Uplink} --socket-cgroup {Cgroup.Path} --bridge-subnet 198.19.0.0/16 {extraArgs}")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (crashAt is not null) info.Environment[Dataplane.ControlPlane.Daemon.CrashPoints.Variable] = crashAt;
        _daemon = Process.Start(info)!;
        _daemon.OutputDataReceived += (_, _) => { };
        _daemon.ErrorDataReceived += (_, _) => { };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        Wait.Until(() => File.Exists(Socket) || _daemon.HasExited, $"the daemon's socket {Socket}", timeoutMs: 60_000); // a cold start on a loaded 2-core machine takes seconds
        if (_daemon.HasExited) throw new InvalidOperationException($"the daemon exited with {_daemon.ExitCode} before opening its socket");
    }

    /// <summary>SIGKILL, as a crash would: no cleanup runs.</summary>
    public void KillDaemon()
    {
        if (!_daemon!.HasExited) _daemon.Kill();
        _daemon.WaitForExit();
        File.Delete(Socket);
    }

    /// <summary>Waits for a daemon that is expected to kill itself (a crash point), then clears its socket.</summary>
    public bool AwaitDaemonExit(int timeoutMs = 20_000)
    {
        bool exited = _daemon!.WaitForExit(timeoutMs);
        if (exited) File.Delete(Socket);
        return exited;
    }

    public bool DaemonAlive => _daemon is { HasExited: false };

    /// <summary>Another daemon on this one's state directory (and a socket of its own), run until it exits.</summary>
    public (int ExitCode, string Output) RunSecondDaemon()
    {
        var info = new ProcessStartInfo("nsenter",
            $"--net={NetworkNamespace.PathOf(Lab.Host.Name!)} -- {CliPath} daemon --host unix://{Socket}.second --state-dir {StateDir} " +
            $"--pin-dir {PinDir} --netns-prefix {_prefix} --uplink {Lab.Uplink} --socket-cgroup none --bridge-subnet 198.19.0.0/16")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return (p.ExitCode, output.Result + error.Result);
    }

    /// <summary>Runs the real CLI against this daemon.</summary>
    public (int ExitCode, string Out, string Err) Cli(params string[] args)
    {
        var info = new ProcessStartInfo(CliPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DATAPLANE_HOST"] = $"unix://{Socket}";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public string Ok(params string[] args)
    {
        var (code, stdout, stderr) = Cli(args);
        if (code != 0) throw new Xunit.Sdk.XunitException($"dataplane {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Waits until the server in container <paramref name="container"/> listens on TCP <paramref name="port"/>.</summary>
    public void AwaitListener(string container, int port)
    {
        using var ns = NetworkNamespace.Open(_prefix + container);
        Lab.AwaitListener(ns, port);
    }

    /// <summary>Waits until <paramref name="count"/> connections to TCP <paramref name="port"/> of container <paramref name="container"/> are established.</summary>
    public void AwaitEstablished(string container, int port, int count)
    {
        using var ns = NetworkNamespace.Open(_prefix + container);
        Lab.AwaitEstablished(ns, port, count);
    }

    /// <summary>Sandboxes of this daemon that exist now (named network namespaces with our prefix).</summary>
    public IReadOnlyList<string> Sandboxes() => NetworkNamespace.List().Where(n => n.StartsWith(_prefix, StringComparison.Ordinal)).ToList();

    private static string FindCli()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dataplane.sln")))
                return Path.Combine(dir.FullName, "out", "dataplane");
        }
        throw new InvalidOperationException("the repository root (Dataplane.sln) is not above the test binary");
    }

    public void Dispose()
    {
        if (_daemon is { HasExited: false })
        {
            foreach (var name in Sandboxes()) Cli("rm", "-f", name[_prefix.Length..]);
            _daemon.Kill(entireProcessTree: true);
            _daemon.WaitForExit();
        }
        foreach (var name in Privileges.IsRoot ? Sandboxes() : []) NetworkNamespace.Delete(name);
        Lab?.Dispose();
        if (PinDir is not null) BpfFs.RemovePinDirectory(PinDir);
        Cgroup?.Dispose();
        if (StateDir is not null && Directory.Exists(StateDir)) Directory.Delete(StateDir, recursive: true);
    }
}
