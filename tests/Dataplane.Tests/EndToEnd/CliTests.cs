using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>The real CLI and daemon, as a Docker user would drive them, with real traffic.</summary>
public sealed class CliTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    // docker/cli v28.2.2 run.go withHelp: a failed run ends with this pointer to its help.
    private const string RunHelp = "\n\nRun 'dataplane run --help' for more information\n";

    private int PortmapEntries()
    {
        using var ports = DataPathProgram.PinnedPorts(d.PinDir);
        return ports.Keys().Count;
    }

    [PrivilegedFact]
    public void RunDetached_PublishedPort_PsPortTrafficAndRmLeavesNothing()
    {
        int entriesBefore = PortmapEntries();
        d.Ok("run", "-d", "--name", "web", "-p", "8080:5201", "--", "iperf3", "-s", "-p", "5201");
        try
        {
            Assert.Contains("0.0.0.0:8080->5201/tcp", d.Ok("ps"));
            Assert.Equal("5201/tcp -> 0.0.0.0:8080\n", d.Ok("port", "web"));
            Assert.Equal("0.0.0.0:8080\n", d.Ok("port", "web", "5201/tcp"));
            d.AwaitListener("web", 5201);
            var (exit, iperf) = Lab.RunIn(d.Lab.External, "iperf3", $"-c {Lab.HostAddress} -p 8080 -t 1 --connect-timeout 3000");
            Assert.True(exit == 0, iperf);
            Assert.Contains(d.SandboxPrefix + "web", d.Sandboxes());
        }
        finally
        {
            d.Ok("rm", "-f", "web");
        }
        Assert.DoesNotContain(d.SandboxPrefix + "web", d.Sandboxes());
        Assert.Equal(entriesBefore, PortmapEntries());
        Assert.DoesNotContain("web", d.Ok("ps", "-a"));
    }

    [PrivilegedFact]
    public void PortRange_TenThousandPorts_PublishedInOneBatchAndAllRemoved()
    {
        int before = PortmapEntries();
        d.Ok("run", "-d", "--name", "many", "-p", "20000-29999:20000-29999", "--", "sleep", "30");
        try
        {
            Assert.Equal(before + 10_000, PortmapEntries());
            var lines = d.Ok("port", "many").Trim().Split('\n');
            Assert.Equal(10_000, lines.Length);
            Assert.Contains("29999/tcp -> 0.0.0.0:29999", lines);
            var taken = d.Cli("run", "-d", "--name", "late", "-p", "25000:80", "--", "true");
            Assert.Equal("dataplane: Error response from daemon: Bind for 0.0.0.0:25000 failed: port is already allocated" + RunHelp, taken.Err);
        }
        finally
        {
            d.Ok("rm", "-f", "many");
        }
        Assert.Equal(before, PortmapEntries());
    }

    [PrivilegedFact]
    public void Port_EveryDockerForm_PrintsLikeDockerPort()
    {
        d.Ok("run", "-d", "--name", "forms", "-p", "127.0.0.1:8181:80", "-p", "8190-8191:90-91", "-p", "5353:53/udp", "-P", "--expose", "7000", "--", "sleep", "30");
        try
        {
            var lines = d.Ok("port", "forms").Trim().Split('\n');
            Assert.Contains("80/tcp -> 127.0.0.1:8181", lines);
            Assert.Contains("90/tcp -> 0.0.0.0:8190", lines);
            Assert.Contains("91/tcp -> 0.0.0.0:8191", lines);
            Assert.Contains("53/udp -> 0.0.0.0:5353", lines);
            Assert.Contains(lines, l => l.StartsWith("7000/tcp -> 0.0.0.0:49", StringComparison.Ordinal)); // -P: from 49000-49900
        }
        finally
        {
            d.Ok("rm", "-f", "forms");
        }
    }

    [PrivilegedFact]
    public void Conflicts_DockerErrorsAndNothingLeftBehind()
    {
        d.Ok("run", "-d", "--name", "holder", "-p", "8282:80", "--", "sleep", "30");
        var listener = d.Lab.StartIn(d.Lab.Host, "nc", $"-l {Lab.HostAddress} 8383");
        Lab.AwaitListener(d.Lab.Host, 8383);
        try
        {
            var sandboxes = d.Sandboxes();
            var taken = d.Cli("run", "-d", "--name", "x1", "-p", "8282:81", "--", "true");
            Assert.Equal(125, taken.ExitCode);
            Assert.Equal("dataplane: Error response from daemon: Bind for 0.0.0.0:8282 failed: port is already allocated" + RunHelp, taken.Err);

            var held = d.Cli("run", "-d", "--name", "x2", "-p", "8383:80", "--", "true");
            Assert.Contains("failed to bind host port 0.0.0.0:8383/tcp: address already in use", held.Err);

            var badPort = d.Cli("run", "-d", "--name", "x3", "-p", "65536:80", "--", "true");
            Assert.NotEqual(0, badPort.ExitCode);
            Assert.Contains("65536", badPort.Err);

            var shared = d.Cli("run", "-d", "--name", "x4", "--network", "container:holder", "-p", "9000:80", "--", "true");
            Assert.Contains("conflicting options: port publishing and the container type network mode", shared.Err);

            Assert.Contains("network nosuch not found", d.Cli("run", "--network", "nosuch", "--", "true").Err);
            Assert.Equal(sandboxes, d.Sandboxes());
            Assert.DoesNotContain("x1", d.Ok("ps", "-a"));
        }
        finally
        {
            listener.Kill();
            d.Ok("rm", "-f", "holder");
        }
    }

    [PrivilegedFact]
    public void OpenFiles_IndependentOfPublishedPorts_ThousandsFitUnderALowLimit()
    {
        // Published ports are reserved by the bind guard, not by a socket each: with room for 100 more
        // open files, 2,000 ports publish, and the daemon holds no more files for them than for a container
        // with 2 (a container costs files of its own: its namespace, its process, its log pipes).
        string fds = $"/proc/{d.DaemonPid}/fd";
        int OpenFiles() => Directory.GetFileSystemEntries(fds).Length;
        string softLimit = File.ReadLines($"/proc/{d.DaemonPid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        SetOpenFileLimit(OpenFiles() + 100);
        try
        {
            int before = PortmapEntries();
            int withTwo = OpenFilesWhileRunning("few", 2, "-p", "30998:30998", "-p", "30998:30998/udp");
            int withTwoThousand = OpenFilesWhileRunning("many", 2000, "-p", "31000-31999:31000-31999", "-p", "31000-31999:31000-31999/udp");
            Assert.InRange(withTwoThousand, 0, withTwo + 3); // slack for a connection of the CLI's not yet closed
            Assert.Equal(before, PortmapEntries());
        }
        finally
        {
            SetOpenFileLimit(int.Parse(softLimit, System.Globalization.CultureInfo.InvariantCulture));
        }

        int OpenFilesWhileRunning(string name, int ports, params string[] publish)
        {
            int entries = PortmapEntries();
            d.Ok(["run", "-d", "--name", name, .. publish, "--", "sleep", "30"]);
            try
            {
                Assert.Equal(entries + ports, PortmapEntries());
                return OpenFiles();
            }
            finally
            {
                d.Ok("rm", "-f", name);
            }
        }
    }

    private void SetOpenFileLimit(int soft)
    {
        var (code, output) = Lab.RunIn(d.Lab.Host, "prlimit", $"--pid {d.DaemonPid} --nofile={soft}:");
        Assert.True(code == 0, output);
    }

    [PrivilegedFact]
    public void Foreground_ExitCodeAndOutputPassThrough()
    {
        var (code, stdout, _) = d.Cli("run", "--rm", "--", "sh", "-c", "echo from-the-sandbox; exit 3");
        Assert.Equal(3, code);
        Assert.Contains("from-the-sandbox", stdout);
    }

    [PrivilegedFact]
    public void NetworkModes_NoneHostAndContainer()
    {
        var none = d.Cli("run", "--rm", "--network", "none", "--", "ip", "-o", "link");
        Assert.True(none.ExitCode == 0, none.Err);
        Assert.Contains("lo:", none.Out);
        Assert.DoesNotContain("eth0", none.Out);

        var host = d.Cli("run", "--rm", "--network", "host", "--", "ip", "-o", "link");
        Assert.Contains(Lab.Uplink, host.Out); // the daemon's (fake host's) namespace

        // Host mode, as Docker documents: the host's name, or -h in a UTS namespace of the container's own
        // (the host keeps its name); its own /etc/hosts is the host's with --add-host appended.
        var hostName = System.IO.File.ReadAllText("/proc/sys/kernel/hostname");
        Assert.Equal(hostName, d.Ok("run", "--rm", "--network", "host", "--", "hostname"));
        Assert.Equal("hosthost\nhosthost\n", d.Ok("run", "--rm", "--network", "host", "-h", "hosthost", "--", "sh", "-c", "hostname; cat /etc/hostname"));
        Assert.Equal(hostName, System.IO.File.ReadAllText("/proc/sys/kernel/hostname"));
        var hosts = d.Ok("run", "--rm", "--network", "host", "--add-host", "extra.test:198.18.9.9", "--", "cat", "/etc/hosts");
        Assert.StartsWith(System.IO.File.ReadAllText("/etc/hosts"), hosts);
        Assert.EndsWith("198.18.9.9\textra.test\n", hosts);

        d.Ok("run", "-d", "--name", "base", "--", "sleep", "30");
        try
        {
            var ip = d.Ok("inspect", "base");
            var shared = d.Cli("run", "--rm", "--network", "container:base", "--", "ip", "-o", "-4", "addr", "show", "eth0");
            Assert.Equal(0, shared.ExitCode);
            Assert.Contains("198.19.", shared.Out);
            Assert.Contains(shared.Out.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0], ip);
        }
        finally
        {
            d.Ok("rm", "-f", "base");
        }
    }

    [PrivilegedFact]
    public void Networks_CreateListOverlapAndRemove()
    {
        var overlap = d.Cli("network", "create", "--subnet", "198.19.200.0/24", "n0"); // inside the default 198.19.0.0/16
        Assert.Equal("Error response from daemon: Pool overlaps with other one on this address space\n", overlap.Err);

        d.Ok("network", "create", "--subnet", "198.18.200.0/24", "n1");
        try
        {
            Assert.Contains("198.18.200.0/24", d.Ok("network", "ls"));
            d.Ok("run", "-d", "--name", "onn1", "--network", "n1", "--", "sleep", "30");
            Assert.NotEqual(0, d.Cli("network", "rm", "n1").ExitCode); // in use
            d.Ok("rm", "-f", "onn1");
        }
        finally
        {
            d.Cli("rm", "-f", "onn1");
            d.Ok("network", "rm", "n1");
        }
        Assert.DoesNotContain("n1", d.Ok("network", "ls"));
    }

    [PrivilegedFact]
    public void DaemonSigkill_TransferThroughPublishedPortCompletes_StateIntactAfterRestart()
    {
        d.Ok("run", "-d", "--name", "survivor", "-p", "8484:5201", "--", "iperf3", "-s", "-p", "5201");
        try
        {
            d.AwaitListener("survivor", 5201);
            var client = d.Lab.StartIn(d.Lab.External, "iperf3", $"-c {Lab.HostAddress} -p 8484 -t 3 --connect-timeout 3000");
            d.AwaitEstablished("survivor", 5201, count: 2); // iperf3's control and data connections: the transfer is under way
            d.KillDaemon();
            Assert.True(client.WaitForExit(15_000));
            Assert.Equal(0, client.ExitCode);
            Assert.Contains("receiver", client.StandardOutput.ReadToEnd());

            d.StartDaemon();
            Assert.Contains("survivor", d.Ok("ps", "-a"));
            Assert.Equal("5201/tcp -> 0.0.0.0:8484\n", d.Ok("port", "survivor"));
        }
        finally
        {
            d.Cli("rm", "-f", "survivor");
        }
    }

    [PrivilegedFact]
    public void DaemonSigkill_ContainerOutputStillLogged_WhileTheDaemonIsAway()
    {
        d.Ok("run", "-d", "--name", "chatty", "--", "sh", "-c", "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); sleep 0.05; done; sleep 30");
        try
        {
            var logPath = Directory.GetFiles(Path.Combine(d.StateDir, "containers"), "stdout", SearchOption.AllDirectories).Single();
            Wait.Until(() => File.ReadAllText(logPath).Contains("line 1\n"), "chatty's first lines in its log");
            d.KillDaemon();
            long atKill = new FileInfo(logPath).Length;
            Wait.Until(() => new FileInfo(logPath).Length > atKill, "the container's output to go on while the daemon is away");
            d.StartDaemon();
            Assert.Contains("chatty", d.Ok("ps"));
            Assert.Contains("line 10\n", d.Ok("logs", "chatty"));
        }
        finally
        {
            d.Cli("rm", "-f", "chatty");
        }
    }

    [PrivilegedFact]
    public void Run_ProcessEnvironment_DockersNotTheDaemons_SignalsAtDefault()
    {
        var (code, stdout, stderr) = d.Cli("run", "--rm", "-h", "envhost", "-e", "GREETING=hi", "--", "sh", "-c", "env; grep SigIgn /proc/self/status; readlink /proc/self/fd/0");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var variables = lines.Where(l => l.Contains('=') && !l.StartsWith("SigIgn", StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=')]).Order().ToList();
        Assert.Equal(["GREETING", "HOME", "HOSTNAME", "PATH", "PWD"], variables); // PWD: set by sh itself
        Assert.Contains("PWD=/", lines);
        Assert.Contains("HOSTNAME=envhost", lines);
        // A daemon ignoring SIGPIPE does not pass that on: signals 1-31 at their defaults (glibc's
        // posix_spawn leaves only its internal 32 and 33 ignored; their users install handlers anyway).
        var ignored = Convert.ToUInt64(lines.Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))[7..].Trim(), 16);
        Assert.Equal(0UL, ignored & 0x7fff_ffffUL);
        Assert.Contains("/dev/null", lines);

        var missing = d.Cli("run", "--rm", "--name", "nocmd", "--", "dpt-no-such-command");
        Assert.Equal(127, missing.ExitCode); // docker/cli run.go toStatusError
        Assert.Contains("exec: \"dpt-no-such-command\": executable file not found in $PATH", missing.Err);
        Assert.DoesNotContain(d.SandboxPrefix + "nocmd", d.Sandboxes());
        Assert.DoesNotContain("nocmd", d.Ok("ps", "-a"));
    }

    [PrivilegedFact]
    public void DaemonSigkill_RestartAdoptsRunningContainerAndRepairsLostMapping()
    {
        int before = PortmapEntries();
        d.Ok("run", "-d", "--name", "sleeper", "-p", "8585:80", "-p", "8586:81", "--", "sleep", "60");
        try
        {
            d.KillDaemon();
            // While it is away the kernel loses one published port; a port nobody owns appears.
            using (var map = DataPathProgram.PinnedPorts(d.PinDir))
            {
                map.Delete(new PortMapKey { PortBe = NetOrder.PortBe(8586), Proto = DataPathAbi.ProtoTcp });
                map.Update(new PortMapKey { PortBe = NetOrder.PortBe(8587), Proto = DataPathAbi.ProtoTcp },
                    new PortMapValue { CtrAddrBe = NetOrder.AddrBe(IPAddress.Parse("198.19.9.9")), CtrPortBe = NetOrder.PortBe(80), MappingId = 999 });
            }
            // A crash right after creating a sandbox leaves its claim with no record; an operator's own
            // namespace that merely has our prefix was never claimed.
            NetworkNamespace.Create(d.SandboxPrefix + "crashed").Dispose();
            var crashed = Directory.CreateDirectory(Path.Combine(d.StateDir, "containers", "0123456789ab")).FullName;
            File.WriteAllText(Path.Combine(crashed, "sandbox"), d.SandboxPrefix + "crashed");
            NetworkNamespace.Create(d.SandboxPrefix + "operators").Dispose();
            d.StartDaemon();
            Assert.DoesNotContain(d.SandboxPrefix + "crashed", d.Sandboxes());
            Assert.False(Directory.Exists(crashed));
            Assert.Contains(d.SandboxPrefix + "operators", d.Sandboxes());
            NetworkNamespace.Delete(d.SandboxPrefix + "operators");
            Assert.Contains("sleeper", d.Ok("ps")); // still running: adopted, not marked exited
            Assert.Equal(before + 2, PortmapEntries());
            using (var map = DataPathProgram.PinnedPorts(d.PinDir))
            {
                Assert.True(map.TryLookup(new PortMapKey { PortBe = NetOrder.PortBe(8586), Proto = DataPathAbi.ProtoTcp }, out _));
                Assert.False(map.TryLookup(new PortMapKey { PortBe = NetOrder.PortBe(8587), Proto = DataPathAbi.ProtoTcp }, out _));
            }
            d.Ok("rm", "-f", "sleeper"); // kills the adopted process
            Assert.Equal(before, PortmapEntries());
            Assert.DoesNotContain(d.SandboxPrefix + "sleeper", d.Sandboxes());
        }
        finally
        {
            d.Cli("rm", "-f", "sleeper");
            NetworkNamespace.Delete(d.SandboxPrefix + "crashed");
            NetworkNamespace.Delete(d.SandboxPrefix + "operators");
        }
    }

    [PrivilegedFact]
    public void SandboxFiles_HostnameHostsResolvConfAndLinks_AsDockerWritesThem()
    {
        d.Ok("run", "-d", "--name", "db", "--expose", "5432", "-e", "SECRET=s3", "--", "sleep", "30");
        try
        {
            var dbIp = d.Ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "db").Trim();
            var (code, stdout, stderr) = d.Cli("run", "--rm", "--name", "app", "-h", "apphost", "--dns", "198.18.53.53",
                "--add-host", "extra.test:198.18.7.7", "--link", "db:database", "--",
                "sh", "-c", "hostname; cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf; env");
            Assert.True(code == 0, stderr);
            var lines = stdout.Split('\n');
            Assert.Equal(["apphost", "apphost"], lines[..2]); // the UTS namespace and /etc/hostname
            Assert.Contains("198.18.7.7\textra.test", lines);
            Assert.Contains(lines, l => l.StartsWith(dbIp + "\tdatabase ", StringComparison.Ordinal) && l.EndsWith(" db", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("198.19.", StringComparison.Ordinal) && l.EndsWith("\tapphost", StringComparison.Ordinal));
            Assert.Contains("nameserver 198.18.53.53", lines);
            Assert.Contains($"DATABASE_PORT_5432_TCP=tcp://{dbIp}:5432", lines);
            Assert.Contains($"DATABASE_PORT=tcp://{dbIp}:5432", lines);
            Assert.Contains("DATABASE_NAME=/app/database", lines);
            Assert.Contains("DATABASE_ENV_SECRET=s3", lines);

            // exec sees the same sandbox as the container's own process; the host keeps its files.
            var dbHostname = d.Ok("inspect", "--format", "{{.Config.Hostname}}", "db").Trim();
            Assert.Equal($"{dbHostname}\n{dbHostname}\n", d.Ok("exec", "db", "--", "sh", "-c", "hostname; cat /etc/hostname"));
            Assert.Contains(dbIp + "\t" + dbHostname, d.Ok("exec", "db", "--", "cat", "/etc/hosts"));
            Assert.DoesNotContain("extra.test", File.ReadAllText("/etc/hosts"));
            Assert.NotEqual("apphost", Environment.MachineName);
        }
        finally
        {
            d.Ok("rm", "-f", "db");
        }
    }

    [PrivilegedFact]
    public void Logs_DetachedOutputKept_AndContainerModeSharesHostname()
    {
        d.Ok("run", "-d", "--name", "talker", "-h", "talkhost", "--", "sh", "-c", "echo hello-from-talker; sleep 30");
        try
        {
            Wait.Until(() => d.Ok("logs", "talker").Contains("hello-from-talker"), "talker's output in its log");
            Assert.Equal("hello-from-talker\n", d.Ok("logs", "talker"));
            Assert.Equal("talkhost\n", d.Ok("run", "--rm", "--network", "container:talker", "--", "hostname"));
            var conflict = d.Cli("run", "--rm", "--network", "container:talker", "-h", "other", "--", "true");
            Assert.Contains("conflicting options: hostname and the network mode", conflict.Err);
        }
        finally
        {
            d.Ok("rm", "-f", "talker");
        }
    }
}
