using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// A container's life after run with the real CLI and daemon, as Docker: an exit frees its published
/// ports; stop, start and restart keep its name, address and fixed host ports, with real traffic
/// through them; kill -s and wait report the process's exit codes; a daemon restart keeps a stopped
/// container startable.
/// </summary>
public sealed class LifecycleTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    private int PortmapEntries()
    {
        using var ports = DataPathProgram.PinnedPorts(d.PinDir);
        return ports.Keys().Count;
    }

    /// <summary>True when a TCP connection to the host's port is accepted from the outside namespace.</summary>
    private bool Reachable(int hostPort) =>
        Lab.RunIn(d.Lab.External, "nc", $"-z -w 2 {Lab.HostAddress} {hostPort}").ExitCode == 0;

    private string Ip(string name) => d.Ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", name).Trim();

    /// <summary>Docker: a container:NAME dependant is not stopped with the container whose namespace it
    /// joined; it keeps that namespace (loopback only once the owner's interface is gone), also after rm.</summary>
    [PrivilegedFact]
    public void SharedNamespace_DependantOutlivesOwnersStopAndRemoval()
    {
        d.Ok("run", "-d", "--name", "owner1", "--", "sleep", "300");
        d.Ok("run", "-d", "--name", "dep1", "--network", "container:owner1", "--", "sleep", "300");
        try
        {
            d.Ok("stop", "-t", "0", "owner1");
            Assert.Equal("running", d.Ok("inspect", "-f", "{{.State.Status}}", "dep1").Trim());
            var pid = d.Ok("inspect", "-f", "{{.State.Pid}}", "dep1").Trim();
            var links = Lab.RunIn(d.Lab.Host, "nsenter", $"-t {pid} -n ip -o link").Output;
            Assert.Contains("lo:", links);
            Assert.DoesNotContain("eth0", links); // the owner's veth went with its stop

            d.Ok("rm", "owner1");
            Assert.Equal("running", d.Ok("inspect", "-f", "{{.State.Status}}", "dep1").Trim());
            Assert.True(Directory.Exists($"/proc/{pid}"));
            Assert.DoesNotContain(d.SandboxPrefix + "owner1", d.Sandboxes()); // its name is gone, the namespace lives on in dep1
            d.Ok("rm", "-f", "dep1");
            Wait.Until(() => !Directory.Exists($"/proc/{pid}"), "the dependant's process to end with its rm");
        }
        finally
        {
            d.Cli("rm", "-f", "dep1");
            d.Cli("rm", "-f", "owner1");
        }
    }

    [PrivilegedFact]
    public void Exit_FreesPublishedPort_SamePublishSucceedsRightAfter()
    {
        int before = PortmapEntries();
        d.Ok("run", "-d", "--name", "once", "-p", "7401:80", "--", "sh", "-c", "exit 3");
        try
        {
            Assert.Equal("3\n", d.Ok("wait", "once"));
            Assert.Equal("", d.Ok("port", "once"));
            Assert.Equal(before, PortmapEntries());
            Assert.Matches(@"^Exited \(3\) .* ago\|$", d.Ok("ps", "-a", "-f", "name=^/once$", "--format", "{{.Status}}|{{.Ports}}").Trim());

            d.Ok("run", "-d", "--name", "twice", "-p", "7401:80", "--", "sleep", "30"); // the port is free again
            d.Ok("rm", "-f", "twice");
            Assert.Equal("once\n", d.Ok("rm", "once")); // a stopped container needs no -f
        }
        finally
        {
            d.Cli("rm", "-f", "once");
            d.Cli("rm", "-f", "twice");
        }
        Assert.DoesNotContain(d.SandboxPrefix + "once", d.Sandboxes());
    }

    [PrivilegedFact]
    public void StopStartRestart_KeepNameAddressAndFixedPort_TrafficFollows()
    {
        d.Ok("run", "-d", "--name", "svc", "-p", "7402:5201", "--", "iperf3", "-s", "-p", "5201");
        try
        {
            string ip = Ip("svc");
            d.AwaitListener("svc", 5201);
            Assert.True(Reachable(7402));

            Assert.Equal("svc\n", d.Ok("stop", "-t", "5", "svc"));
            Assert.Equal("", d.Ok("port", "svc"));
            Assert.False(Reachable(7402));
            Assert.Equal("", Ip("svc")); // as Docker: no address shown while stopped
            Assert.Contains(d.SandboxPrefix + "svc", d.Sandboxes()); // the sandbox stays for start
            Assert.Equal("svc\n", d.Ok("stop", "svc")); // stopping a stopped container succeeds

            Assert.Equal("svc\n", d.Ok("start", "svc"));
            Assert.Equal(ip, Ip("svc"));
            Assert.Equal("5201/tcp -> 0.0.0.0:7402\n", d.Ok("port", "svc"));
            d.AwaitListener("svc", 5201);
            Assert.True(Reachable(7402));
            Assert.Equal("svc\n", d.Ok("start", "svc")); // starting a running one too

            string pid = d.Ok("inspect", "-f", "{{.State.Pid}}", "svc");
            Assert.Equal("svc\n", d.Ok("restart", "-t", "2", "svc"));
            Assert.NotEqual(pid, d.Ok("inspect", "-f", "{{.State.Pid}}", "svc"));
            Assert.Equal(ip, Ip("svc"));
            d.AwaitListener("svc", 5201);
            Assert.True(Reachable(7402));
        }
        finally
        {
            d.Cli("rm", "-f", "svc");
        }
    }

    [PrivilegedFact]
    public void PublishAll_StartAfterStop_PublishesEveryExposedPortAgain()
    {
        d.Ok("run", "-d", "--name", "pall", "-P", "--expose", "81", "--", "sleep", "60");
        try
        {
            Assert.Matches(@"^81/tcp -> 0\.0\.0\.0:\d+\n$", d.Ok("port", "pall"));
            d.Ok("stop", "-t", "1", "pall");
            Assert.Equal("", d.Ok("port", "pall"));
            d.Ok("start", "pall");
            Assert.Matches(@"^81/tcp -> 0\.0\.0\.0:\d+\n$", d.Ok("port", "pall"));
        }
        finally
        {
            d.Cli("rm", "-f", "pall");
        }
    }

    [PrivilegedFact]
    public void KillWithSignal_WaitReportsTheExitCodes_DockersErrors()
    {
        d.Ok("run", "-d", "--name", "k1", "--", "sh", "-c", "trap 'exit 42' USR1; while :; do sleep 0.1; done");
        d.Ok("run", "-d", "--name", "k2", "--", "sleep", "60");
        try
        {
            var bogus = d.Cli("kill", "-s", "BOGUS", "k1");
            Assert.Equal((1, "Error response from daemon: Invalid signal: BOGUS\n"), (bogus.ExitCode, bogus.Err));
            Assert.Equal("k1\n", d.Ok("kill", "-s", "SIGUSR1", "k1"));
            Assert.Equal("k2\n", d.Ok("kill", "k2"));
            Assert.Equal("42\n137\n", d.Ok("wait", "k1", "k2"));

            string id = d.Ok("inspect", "-f", "{{.Id}}", "k1").Trim();
            var again = d.Cli("kill", "k1");
            Assert.Equal((1, $"Error response from daemon: cannot kill container: k1: container {id} is not running\n"), (again.ExitCode, again.Err));
            var missing = d.Cli("wait", "k1", "nosuch");
            Assert.Equal((1, "42\n", "Error response from daemon: No such container: nosuch\n"), (missing.ExitCode, missing.Out, missing.Err));
            var start = d.Cli("start", "nosuch");
            Assert.Equal((1, "Error response from daemon: No such container: nosuch\nError: failed to start containers: nosuch\n"), (start.ExitCode, start.Err));
        }
        finally
        {
            d.Cli("rm", "-f", "k1", "k2");
        }
    }

    [PrivilegedFact]
    public void DaemonRestart_StoppedContainerStaysStoppedAndStarts()
    {
        d.Ok("run", "-d", "--name", "nap", "-p", "7403:5201", "--", "iperf3", "-s", "-p", "5201");
        try
        {
            d.Ok("stop", "-t", "2", "nap");
            d.KillDaemon();
            d.StartDaemon();
            Assert.StartsWith("exited", d.Ok("inspect", "-f", "{{.State.Status}}", "nap"));
            Assert.Equal("", d.Ok("port", "nap"));
            d.Ok("start", "nap");
            d.AwaitListener("nap", 5201);
            Assert.True(Reachable(7403));
        }
        finally
        {
            d.Cli("rm", "-f", "nap");
        }
    }

    [PrivilegedFact]
    public void NetworkLs_ListsHostAndNone_TheirRemovalRefused()
    {
        var names = d.Ok("network", "ls", "--format", "{{.Name}} {{.Driver}}");
        Assert.Contains("host host\n", names);
        Assert.Contains("none null\n", names);
        Assert.Equal(d.Ok("network", "ls", "-q"), d.Ok("network", "ls", "-q")); // the modes' ids are stable
        var rm = d.Cli("network", "rm", "host");
        Assert.Equal((1, "Error response from daemon: host is a pre-defined network and cannot be removed\n"), (rm.ExitCode, rm.Err));
    }
}
