using Dataplane.ControlPlane.Daemon;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// The hostile-test findings kept fixed against the real daemon and CLI: races of run/rm/exit on one
/// name, ids released on failure, a crash at every step of run, rm, start and an exit converging on restart, one
/// daemon per state directory, networks that would clash with the host refused, operators' bridges
/// never deleted. Each daemon here is this class's own (DaemonLab: throwaway namespaces).
/// </summary>
public sealed class FaultTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    private const string Sleeper = "sleep";

    /// <summary>Nothing of a container is left: no sandbox namespace, no record, its host port free again.</summary>
    private void AssertGone(string name, string port)
    {
        Assert.DoesNotContain(d.SandboxPrefix + name, d.Sandboxes());
        Assert.DoesNotContain($" {name}\n", d.Ok("ps", "-a"));
        var probe = d.Cli("run", "-d", "--name", name + "-probe", "-p", $"{port}:80", "--", Sleeper, "30");
        Assert.True(probe.ExitCode == 0, $"port {port} is still taken: {probe.Err}");
        d.Ok("rm", "-f", name + "-probe");
    }

    [PrivilegedFact]
    public void RmRacingRunOfTheSameName_NeverTwoOwnersOfOnePort()
    {
        for (int i = 0; i < 6; i++)
        {
            d.Ok("run", "--rm", "-d", "--name", "rr", "-p", "7300:80", "--", Sleeper, "30");
            var rm = Task.Run(() => d.Cli("rm", "-f", "rr"));
            var run = Task.Run(() => d.Cli("run", "-d", "--name", "rr", "-p", "7300:80", "--", Sleeper, "30"));
            Task.WaitAll(rm, run);
            if (run.Result.ExitCode == 0)
            {
                // The new rr owns its namespace and the port: a third container cannot take 7300.
                Assert.Contains(d.SandboxPrefix + "rr", d.Sandboxes());
                Assert.Contains("0.0.0.0:7300->80/tcp", d.Ok("ps"));
                var third = d.Cli("run", "-d", "--name", "rr2", "-p", "7300:80", "--", Sleeper, "30");
                Assert.NotEqual(0, third.ExitCode);
                Assert.Contains("port is already allocated", third.Err);
            }
            d.Cli("rm", "-f", "rr");
            AssertGone("rr", "7300");
        }
    }

    [PrivilegedFact]
    public void Rm_ThreeAtOnce_OneRemovesTheOthersAreTold()
    {
        d.Ok("run", "-d", "--name", "triple", "--", Sleeper, "30");
        var results = Enumerable.Range(0, 3).Select(_ => Task.Run(() => d.Cli("rm", "-f", "triple"))).ToArray();
        Task.WaitAll(results);
        Assert.Single(results, r => r.Result.ExitCode == 0);
        Assert.All(results.Where(r => r.Result.ExitCode != 0), r =>
            Assert.Matches("removal of container triple is already in progress|No such container: triple", r.Result.Err));
        Assert.DoesNotContain(d.SandboxPrefix + "triple", d.Sandboxes());
    }

    [PrivilegedFact]
    public void Publish_MoreThanTheMappingIds_RefusedAndEveryIdReturned()
    {
        // 20,000 ports: more than the 16,383 mapping ids the maps are sized for (checked, not held: 20,000
        // sockets would meet this machine's open-file cap first).
        d.KillDaemon();
        d.StartDaemon(extraArgs: "--hold-host-ports false");
        try
        {
            var e = d.Cli("run", "-d", "--name", "huge", "-p", "20000-39999:20000-39999", "--", Sleeper, "30");
            Assert.NotEqual(0, e.ExitCode);
            Assert.Contains("port mapping ids are in use", e.Err);
            for (int i = 0; i < 3; i++)
            {
                d.Ok("run", "-d", "--name", $"after{i}", "-p", $"{7310 + i}:80", "--", Sleeper, "30");
                d.Ok("rm", "-f", $"after{i}");
            }
            AssertGone("huge", "20000");
        }
        finally
        {
            d.KillDaemon();
            d.StartDaemon();
        }
    }

    public static TheoryData<string> RunSteps => [.. CrashPoints.Run];

    [PrivilegedTheory]
    [MemberData(nameof(RunSteps))]
    public void Run_DaemonKilledAtStep_RestartConvergesAndRmLeavesNothing(string step)
    {
        d.KillDaemon();
        d.StartDaemon(crashAt: step);
        var seconds = Unique();
        var run = d.Cli("run", "-d", "--name", "crashy", "-p", "7320:80", "--", Sleeper, seconds);
        Assert.True(d.AwaitDaemonExit(), $"the daemon did not stop at {step}: {run.Err}");
        d.StartDaemon();

        var ps = d.Ok("ps", "-a");
        if (ps.Contains(" crashy\n", StringComparison.Ordinal))
        {
            Assert.DoesNotContain("Created", ps); // never left half-made: running, or exited with its process gone
            d.Ok("rm", "-f", "crashy");
        }
        Assert.Empty(SleepersOf(seconds));
        AssertGone("crashy", "7320");
    }

    public static TheoryData<string> RemoveSteps => [.. CrashPoints.Remove];

    [PrivilegedTheory]
    [MemberData(nameof(RemoveSteps))]
    public void Rm_DaemonKilledAtStep_RestartConvergesAndRmLeavesNothing(string step)
    {
        d.KillDaemon();
        d.StartDaemon(crashAt: step);
        var seconds = Unique();
        d.Ok("run", "-d", "--name", "doomed", "-p", "7330:80", "--", Sleeper, seconds);
        d.Cli("rm", "-f", "doomed");
        Assert.True(d.AwaitDaemonExit(), $"the daemon did not stop at {step}");
        d.StartDaemon();

        if (d.Ok("ps", "-a").Contains(" doomed\n", StringComparison.Ordinal)) d.Ok("rm", "-f", "doomed");
        Assert.Empty(SleepersOf(seconds));
        AssertGone("doomed", "7330");
    }

    public static TheoryData<string> StartSteps => [.. CrashPoints.Start];

    [PrivilegedTheory]
    [MemberData(nameof(StartSteps))]
    public void Start_DaemonKilledAtStep_RestartConvergesAndStartWorks(string step)
    {
        var seconds = Unique();
        d.Ok("run", "-d", "--name", "phoenix", "-p", "7340:80", "--", Sleeper, seconds);
        d.Ok("stop", "-t", "0", "phoenix");
        d.KillDaemon();
        d.StartDaemon(crashAt: step);
        d.Cli("start", "phoenix");
        Assert.True(d.AwaitDaemonExit(), $"the daemon did not stop at {step}");
        d.StartDaemon();

        // Converged: stopped with nothing of it running or published, or running with its port.
        if (d.Ok("inspect", "-f", "{{.State.Status}}", "phoenix").Trim() == "exited")
        {
            Assert.Empty(SleepersOf(seconds));
            Assert.Equal("", d.Ok("port", "phoenix"));
            d.Ok("start", "phoenix");
        }
        Assert.Equal("80/tcp -> 0.0.0.0:7340\n", d.Ok("port", "phoenix"));
        Assert.Single(SleepersOf(seconds));
        d.Ok("rm", "-f", "phoenix");
        Assert.Empty(SleepersOf(seconds));
        AssertGone("phoenix", "7340");
    }

    [PrivilegedFact]
    public void Exit_DaemonKilledAfterReleasingItsNetwork_RestartRecordsTheExit()
    {
        d.KillDaemon();
        d.StartDaemon(crashAt: CrashPoints.Exit[0]);
        var seconds = Unique();
        d.Ok("run", "-d", "--name", "lapsed", "-p", "7350:80", "--", Sleeper, seconds);
        d.Cli("kill", "lapsed");
        Assert.True(d.AwaitDaemonExit(), "the daemon did not stop after releasing the network");
        d.StartDaemon();

        Assert.Equal("exited", d.Ok("inspect", "-f", "{{.State.Status}}", "lapsed").Trim());
        Assert.Equal("", d.Ok("port", "lapsed"));
        d.Ok("start", "lapsed");
        Assert.Equal("80/tcp -> 0.0.0.0:7350\n", d.Ok("port", "lapsed"));
        d.Ok("rm", "-f", "lapsed");
        Assert.Empty(SleepersOf(seconds));
        AssertGone("lapsed", "7350");
    }

    /// <summary>A sleep length no other test (of this run or another on the machine) uses: it marks this test's processes.</summary>
    private static string Unique() => Random.Shared.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Processes `sleep SECONDS` still alive (the containers' commands of one test).</summary>
    private static List<int> SleepersOf(string seconds) => Directory.EnumerateDirectories("/proc")
        .Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit))
        .Where(pid =>
        {
            try { return File.ReadAllText($"/proc/{pid}/cmdline") == $"{Sleeper}\0{seconds}\0"; }
            catch (IOException) { return false; }
        })
        .Select(pid => int.Parse(pid!)).ToList();

    [PrivilegedFact]
    public void SecondDaemon_SameStateDirectory_RefusedNamingTheFirst()
    {
        var second = d.RunSecondDaemon();
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"another dataplane daemon (pid {d.DaemonPid})", second.Output);
        Assert.True(d.DaemonAlive);
        d.Ok("ps");
    }

    [PrivilegedFact]
    public void NetworkCreate_ClashingWithTheHost_RefusedAndNothingCreated()
    {
        // The lab's uplink holds 198.18.0.1/24: its subnet and its address are the host's.
        var overlap = d.Cli("network", "create", "--subnet", "198.18.0.0/16", "--gateway", "198.18.1.1", "clash1");
        Assert.NotEqual(0, overlap.ExitCode);
        Assert.Contains("overlaps with the host's route to 198.18.0.0/24 on uplink0", overlap.Err);
        var gateway = d.Cli("network", "create", "--subnet", "198.18.0.0/28", "--gateway", "198.18.0.1", "clash2");
        Assert.NotEqual(0, gateway.ExitCode);
        Assert.DoesNotContain("clash", d.Ok("network", "ls"));
    }

    [PrivilegedFact]
    public void NetworkRm_OnAnOperatorsBridge_LeavesTheBridge()
    {
        using var links = RtNetlink.Open(d.Lab.Host);
        links.CreateBridge("opbr0");
        try
        {
            d.Ok("network", "create", "--subnet", "198.18.250.0/24", "-o", "com.docker.network.bridge.name=opbr0", "opnet");
            d.Ok("network", "rm", "opnet");
            Assert.NotNull(links.TryGetLink("opbr0"));

            d.Ok("network", "create", "--subnet", "198.18.251.0/24", "-o", "com.docker.network.bridge.name=ourbr0", "ournet");
            d.Ok("network", "rm", "ournet");
            Assert.Null(links.TryGetLink("ourbr0"));
        }
        finally
        {
            if (links.TryGetLink("opbr0") is not null) links.DeleteLink("opbr0");
        }
    }
}
