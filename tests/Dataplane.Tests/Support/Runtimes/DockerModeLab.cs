using System.Diagnostics;
using System.Text;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Support.Runtimes;

/// <summary>
/// A Docker engine in Docker mode (<see cref="DockerEngineLab"/>) with the real `dataplane daemon
/// --docker` beside it in the same fake host: uplink0, its own state, pins, socket-hook cgroup and
/// default bridge (198.19.128.0/20, away from Docker's addresses). Shared by a test class.
/// </summary>
public class DockerModeLab : DockerEngineLab
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "dataplane.dll");
    private readonly StringBuilder _log = new();
    private Process? _daemon;

    public DockerModeLab() : this(dataplaneMode: true) { }

    /// <param name="dataplaneMode">false: the engine keeps Docker's own NAT and the daemon is not started (refusal tests).</param>
    protected DockerModeLab(bool dataplaneMode) : base(dataplaneMode)
    {
        if (!Privileges.IsRoot) return;
        try
        {
            Cgroup = new TestCgroup(Tag + "-cg");
            PinDir = Path.Combine(BpfFs.DefaultRoot, Tag + "-pins");
            if (dataplaneMode) StartDataplane();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public TestCgroup Cgroup { get; } = null!;
    public string PinDir { get; } = null!;
    public string DataplaneSocket => Path.Combine(StateDir, "dataplane.sock");

    public string DataplaneLog { get { lock (_log) return _log.ToString(); } }

    /// <summary>Starts `dataplane daemon --docker` and waits until it serves (its Docker reconcile is done by then).</summary>
    public void StartDataplane()
    {
        File.Delete(DataplaneSocket);
        _daemon = StartDataplaneProcess(Endpoint);
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(DataplaneSocket))
        {
            if (_daemon.HasExited) throw new InvalidOperationException($"dataplane daemon exited {_daemon.ExitCode}:\n{DataplaneLog}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"dataplane daemon not serving after 60 s:\n{DataplaneLog}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Runs the daemon against another Docker endpoint until it exits; for the refusal tests.</summary>
    public (int ExitCode, string Log) RunDataplaneUntilExit(string dockerEndpoint, TimeSpan timeout)
    {
        var before = DataplaneLog.Length;
        var p = StartDataplaneProcess(dockerEndpoint);
        if (!p.WaitForExit(timeout)) { p.Kill(); p.WaitForExit(); return (-1, DataplaneLog[before..]); }
        p.WaitForExit();
        return (p.ExitCode, DataplaneLog[before..]);
    }

    /// <summary>Runs the real dataplane CLI against this lab's daemon (its own sandboxes beside Docker's containers).</summary>
    public (int ExitCode, string Output) Dataplane(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DATAPLANE_HOST"] = $"unix://{DataplaneSocket}";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    /// <summary>SIGKILL, as a crash: nothing is cleaned up, the data path stays pinned.</summary>
    public void KillDataplane()
    {
        _daemon!.Kill();
        _daemon.WaitForExit();
    }

    private Process StartDataplaneProcess(string dockerEndpoint)
    {
        var p = Process.Start(new ProcessStartInfo("nsenter",
            $"--net={NetworkNamespace.PathOf(Lab.Host.Name!)} -- dotnet {CliDll} daemon --host unix://{DataplaneSocket} --state-dir {StateDir}/dataplane " +
            $"--pin-dir {PinDir} --netns-prefix {Tag}- --uplink {Topology.Lab.Uplink} --socket-cgroup {Cgroup.Path} " +
            $"--bridge dpt0 --bridge-subnet 198.19.128.0/20 --docker {dockerEndpoint}")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>The published-port map's entries, as (host port, proto) pairs.</summary>
    public IReadOnlyList<(int Port, byte Proto)> PortMap()
    {
        using var map = DataPathProgram.PinnedPorts(PinDir);
        return map.Keys().Select(k => ((int)NetOrder.Port(k.PortBe), k.Proto)).Order().ToList();
    }

    /// <summary>Waits until <paramref name="condition"/> holds; returns how long it took.</summary>
    public static TimeSpan Await(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs) throw new TimeoutException($"waited {timeoutMs} ms for {what}");
            Thread.Sleep(5);
        }
        return clock.Elapsed;
    }

    protected override void DisposeCore()
    {
        if (_daemon is { HasExited: false }) { _daemon.Kill(); _daemon.WaitForExit(); }
        _daemon?.Dispose();
        base.DisposeCore();
        if (PinDir is not null) BpfFs.RemovePinDirectory(PinDir);
        Cgroup?.Dispose();
    }
}

/// <summary>An engine with Docker's defaults (iptables NAT, docker-proxy) and the daemon not yet started.</summary>
public sealed class DockerDefaultsModeLab : DockerModeLab
{
    public DockerDefaultsModeLab() : base(dataplaneMode: false) { }
}
