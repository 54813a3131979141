using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Runtimes;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;

namespace Dataplane.Tests.EndToEnd;

/// <summary>The Docker test engine itself: it starts in its namespace, runs the offline image, and leaves nothing behind.</summary>
public sealed class DockerEngineLabTests(ITestOutputHelper output)
{
    [PrivilegedFact]
    public void Engine_StartedInLabNamespace_RunsPublishedContainerAndLeavesNothingOnDispose()
    {
        string tag, stateDir;
        var engine = new DockerEngineLab();
        try
        {
            tag = engine.Tag;
            stateDir = engine.StateDir;
            output.WriteLine($"dockerd cold start (containerd + dockerd to first ping): {engine.ColdStart.TotalMilliseconds:F0} ms");

            var id = engine.DockerOk("run", "-d", "-p", "8080:80", TinyImage.Name, "httpd", "-f", "-p", "80", "-h", "/www");
            Assert.Equal("0.0.0.0:8080", engine.DockerOk("port", id, "80/tcp").Split('\n')[0]);
            // iptables=false, userland-proxy=false: dockerd itself holds the host port, in the lab's host namespace only.
            Lab.AwaitListener(engine.Lab.Host, 8080);
            Assert.Equal(engine.HostNetnsInode, RuntimeReaper.NetnsInode($"/proc/{engine.DockerdPid}/ns/net"));
            Assert.NotEqual(RuntimeReaper.NetnsInode("/proc/self/ns/net"), engine.HostNetnsInode);
            // The container answers on its bridge address from the fake host (no NAT involved).
            var address = engine.DockerOk("inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", id);
            Assert.StartsWith("198.19.0.", address);
            var (code, body) = Lab.RunIn(engine.Lab.Host, "curl", $"-s --max-time 5 --retry 20 --retry-connrefused --retry-delay 0 http://{address}/");
            Assert.True(code == 0, body);
            Assert.Equal("hello from docker", body.Trim());
        }
        finally
        {
            engine.Dispose();
        }

        Assert.False(Directory.Exists(stateDir));
        Assert.DoesNotContain(NetworkNamespace.List(), n => n.StartsWith(tag[..^"docker".Length], StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.GetDirectories("/sys/fs/cgroup"), d => Directory.Exists(Path.Combine(d, tag)));
        Assert.DoesNotContain(Directory.GetDirectories("/proc"), d => ReadCmdline(d).Contains(stateDir, StringComparison.Ordinal));
    }

    private static string ReadCmdline(string procDir)
    {
        try { return File.ReadAllText(Path.Combine(procDir, "cmdline")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}

/// <summary>The sweeper reaps what a crashed run's engine left: its processes (found by state directory and cgroup) and directories.</summary>
public sealed class DockerSweeperTests
{
    [PrivilegedFact]
    public void SweepLeftovers_DeadOwnerPid_KillsItsProcessesAndRemovesItsState()
    {
        int deadPid = Enumerable.Range(4_000_000, 100_000).First(p => !Directory.Exists($"/proc/{p}"));
        var tag = $"{TestNames.Prefix}{deadPid}-abcdef-docker";
        var stateDir = RuntimeReaper.StateDirOf(tag);
        var hierarchy = Directory.Exists("/sys/fs/cgroup/pids") ? "/sys/fs/cgroup/pids" : Dataplane.ControlPlane.DaemonOptions.Cgroup2Root();
        var cgroup = Path.Combine(hierarchy, tag);
        Directory.CreateDirectory(stateDir);
        // A leftover engine, found by its command line (which names the state directory, as dockerd's
        // and the shims' do), and a leftover container, found by its cgroup.
        using var engine = System.Diagnostics.Process.Start("sh", $"-c \"while :; do sleep 1; done\" {stateDir}/dockerd")!;
        using var container = System.Diagnostics.Process.Start("sleep", "300")!;
        try
        {
            Directory.CreateDirectory(cgroup);
            File.WriteAllText(Path.Combine(cgroup, "cgroup.procs"), container.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            RuntimeReaper.SweepLeftovers();
            Assert.True(engine.WaitForExit(5_000), "the leftover engine was not killed");
            Assert.True(container.WaitForExit(5_000), "the leftover container was not killed");
            Assert.False(Directory.Exists(stateDir));
            Assert.False(Directory.Exists(cgroup));
        }
        finally
        {
            if (!engine.HasExited) engine.Kill();
            if (!container.HasExited) container.Kill();
            if (Directory.Exists(stateDir)) Directory.Delete(stateDir, recursive: true);
            for (int i = 0; i < 50 && Directory.Exists(cgroup); i++)
            {
                try { Directory.Delete(cgroup); } catch (IOException) { Thread.Sleep(100); }
            }
        }
    }
}
