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
