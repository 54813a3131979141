using Dataplane.Interop.Processes;
using System.Diagnostics;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support.Topology;
using Docker.DotNet;

namespace Dataplane.Tests.Support.Runtimes;

/// <summary>
/// A real Docker engine (Debian's dockerd, containerd, runc) inside the fake host of a <see cref="Lab"/>:
/// its own network namespace, a private mount namespace with cgroups and bpffs as PID 1 has them, its
/// own data-root, exec-root, containerd root/state/socket, pidfile, API socket and config file, and
/// addresses inside 198.19.0.0/16. The tiny image is imported offline. One engine serves every test
/// of a class (an xunit class fixture); everything is killed by pid and removed on dispose, and a
/// crashed run's leftovers are reaped by the next one.
/// </summary>
public class DockerEngineLab : IDisposable
{
    public const string DockerCli = "/usr/bin/docker";
    public const string DefaultBridgeCidr = "198.19.0.1/24";
    public const string AddressPool = "198.19.64.0/18";
    private static int _swept;
    private readonly bool _dataplaneMode;
    private Process? _containerd, _dockerd;
    private bool _disposed;

    /// <summary>The engine as Docker mode wants it: no iptables, no docker-proxy, live-restore.</summary>
    public DockerEngineLab() : this(dataplaneMode: true) { }

    /// <param name="dataplaneMode">false: Docker's own defaults (iptables NAT and docker-proxy), for comparisons and the refusal tests.</param>
    protected DockerEngineLab(bool dataplaneMode)
    {
        _dataplaneMode = dataplaneMode;
        if (!Privileges.IsRoot) return;
        if (Interlocked.Exchange(ref _swept, 1) == 0) RuntimeReaper.SweepLeftovers();
        Tag = TestNames.Unique("docker");
        StateDir = RuntimeReaper.StateDirOf(Tag);
        try
        {
            Directory.CreateDirectory(StateDir);
            Lab = new Lab();
            HostNetnsInode = RuntimeReaper.NetnsInode(Lab.Host);
            var started = Stopwatch.StartNew();
            StartContainerd();
            StartDockerd();
            ColdStart = started.Elapsed;
            var tarball = TinyImage.BuildTarball(StateDir);
            DockerOk("import", tarball, TinyImage.Name);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Lab Lab { get; } = null!;
    public string Tag { get; } = null!;
    public string StateDir { get; } = null!;
    public ulong HostNetnsInode { get; }
    public string Socket => Path.Combine(StateDir, "docker.sock");
    public string Endpoint => $"unix://{Socket}";

    /// <summary>containerd start to the first answered API ping.</summary>
    public TimeSpan ColdStart { get; }

    public int DockerdPid => _dockerd!.Id;

    /// <summary>A client of this engine's API, for tests that read what the frontend reads.</summary>
    public DockerClient Client() => new DockerClientBuilder().WithEndpoint(new Uri(Endpoint)).WithApiVersion(new Version(1, 41)).Build();

    /// <summary>Runs the real docker CLI against this engine.</summary>
    public (int ExitCode, string Output) Docker(params string[] args)
    {
        var info = new ProcessStartInfo(DockerCli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-H");
        info.ArgumentList.Add(Endpoint);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOCKER_CONFIG"] = Path.Combine(StateDir, "cli"); // never the user's ~/.docker
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return (p.ExitCode, stdout.Result.Trim() + (stderr.Result.Length > 0 ? "\n" + stderr.Result.Trim() : ""));
    }

    public string DockerOk(params string[] args)
    {
        var (code, output) = Docker(args);
        if (code != 0) throw new Xunit.Sdk.XunitException($"docker {string.Join(' ', args)} exited {code}: {output}");
        return output.Trim();
    }

    /// <summary>Stops dockerd (SIGTERM, or SIGKILL as a crash) and starts it again; containerd, and with
    /// live-restore the containers, keep running.</summary>
    public void RestartDockerd(bool kill = false)
    {
        StopDockerd(kill);
        StartDockerd();
    }

    public void StopDockerd(bool kill = false)
    {
        if (_dockerd is null) return;
        if (!_dockerd.HasExited)
        {
            ProcessImage.Signal(_dockerd.Id, kill ? ProcessImage.SIGKILL : ProcessImage.SIGTERM);
            if (!_dockerd.WaitForExit(30_000)) { _dockerd.Kill(); _dockerd.WaitForExit(); }
        }
        _dockerd.Dispose();
        _dockerd = null;
    }

    public void StartDockerd()
    {
        var flags = _dataplaneMode ? " --iptables=false --ip6tables=false --userland-proxy=false" : "";
        File.WriteAllText(Path.Combine(StateDir, "daemon.json"), _dataplaneMode ? "{\"live-restore\": true}\n" : "{}\n");
        _dockerd = StartLogged("dockerd.log", "nsenter",
            $"--net={NetworkNamespace.PathOf(Lab.Host.Name!)} --mount=/proc/{_containerd!.Id}/ns/mnt -- " +
            $"dockerd --config-file {StateDir}/daemon.json -H {Endpoint} --containerd {StateDir}/containerd.sock " +
            $"--data-root {StateDir}/data --exec-root {StateDir}/exec --pidfile {StateDir}/docker.pid " +
            $"--cgroup-parent /{Tag} --bip {DefaultBridgeCidr} --default-address-pool base={AddressPool},size=24{flags}");
        WaitFor(() => PingOk(), TimeSpan.FromSeconds(60), "dockerd to answer /_ping", "dockerd.log");
    }

    private void StartContainerd()
    {
        File.WriteAllText(Path.Combine(StateDir, "containerd.toml"),
            $"version = 2\nroot = \"{StateDir}/containerd/root\"\nstate = \"{StateDir}/containerd/state\"\n" +
            "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n" +
            $"[grpc]\n  address = \"{StateDir}/containerd.sock\"\n");
        var script = Path.Combine(StateDir, "launch-containerd.sh");
        File.WriteAllText(script, PrivateMounts.Prologue("/run/containerd", "/run/docker") + $"exec containerd --config {StateDir}/containerd.toml\n");
        // nsenter and unshare exec without forking: the process started is containerd itself.
        _containerd = StartLogged("containerd.log", "nsenter",
            $"--net={NetworkNamespace.PathOf(Lab.Host.Name!)} -- unshare --mount --propagation private -- /bin/sh {script}");
        WaitFor(() => File.Exists(Path.Combine(StateDir, "containerd.sock")), TimeSpan.FromSeconds(30), "containerd's socket", "containerd.log");
    }

    private Process StartLogged(string logName, string file, string args)
    {
        var log = new StreamWriter(Path.Combine(StateDir, logName), append: true) { AutoFlush = true };
        var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.Exited += (_, _) => { lock (log) log.Dispose(); };
        p.EnableRaisingEvents = true;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private bool PingOk()
    {
        if (!File.Exists(Socket)) return false;
        try
        {
            using var client = Client();
            client.System.PingAsync().GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or DockerApiException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }

    private void WaitFor(Func<bool> condition, TimeSpan timeout, string what, string logName)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                var log = Path.Combine(StateDir, logName);
                var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(20)) : "(no log)";
                throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; last lines of {logName}:\n{tail}");
            }
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Everything in the namespace killed by pid, then the lab, the cgroups and the state directory removed.</summary>
    protected virtual void DisposeCore()
    {
        if (Tag is null) return;
        RuntimeReaper.Reap(Tag, HostNetnsInode == 0 ? null : HostNetnsInode);
        _dockerd?.Dispose();
        _containerd?.Dispose();
        Lab?.Dispose();
    }
}
