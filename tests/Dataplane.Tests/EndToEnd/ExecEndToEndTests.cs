using System.Diagnostics;
using System.Text;
using Dataplane.Interop.Processes;
using Dataplane.Interop.Terminals;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>`dataplane exec` against the real daemon: streamed output, stdout and stderr apart, -i, -t
/// through a real pseudo-terminal, -e/-w/-u/-d, exit codes.</summary>
public sealed class ExecEndToEndTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    private void WithContainer(string name, Action body)
    {
        d.Ok("run", "-d", "--name", name, "--", "sleep", "120");
        try
        {
            body();
        }
        finally
        {
            d.Cli("rm", "-f", name);
        }
    }

    [PrivilegedFact]
    public void Exec_StdoutStderrApart_ExitCodeOfTheProcess() => WithContainer("streams", () =>
    {
        Assert.Equal((3, "out\n", "err\n"), d.Cli("exec", "streams", "sh", "-c", "echo out; echo err >&2; exit 3"));
        Assert.Equal((0, "/\n", ""), d.Cli("exec", "streams", "pwd")); // from /, not the daemon's directory
    });

    [PrivilegedFact]
    public void Exec_Output_ArrivesWhileTheProcessRuns() => WithContainer("live", () =>
    {
        var info = new ProcessStartInfo(DaemonLab.CliPath) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", "live", "sh", "-c", "echo first; read x < /dev/zero; sleep 30" }) info.ArgumentList.Add(a);
        info.Environment["DATAPLANE_HOST"] = $"unix://{d.Socket}";
        using var p = Process.Start(info)!;
        try
        {
            var first = p.StandardOutput.ReadLineAsync();
            Assert.True(first.Wait(20_000), "the first line did not arrive while the command runs");
            Assert.Equal("first", first.Result);
            Assert.False(p.HasExited);
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
        }
    });

    [PrivilegedFact]
    public void ExecInteractive_StdinPiped_EndOfInputReachesTheProcess() => WithContainer("cat", () =>
    {
        var info = new ProcessStartInfo(DaemonLab.CliPath) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", "-i", "cat", "sh", "-c", "tr a-z A-Z; echo eof >&2" }) info.ArgumentList.Add(a);
        info.Environment["DATAPLANE_HOST"] = $"unix://{d.Socket}";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write("hello\nworld\n");
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(30_000), "exec -i did not end after its input did");
        Assert.Equal((0, "HELLO\nWORLD\n", "eof\n"), (p.ExitCode, stdout.Result, stderr.Result));
    });

    [PrivilegedFact]
    public void Exec_EnvWorkdirUser_AsDocker() => WithContainer("opts", () =>
    {
        Assert.Equal((0, "1 /tmp\n", ""), d.Cli("exec", "-e", "A=1", "-w", "/tmp", "opts", "sh", "-c", "echo $A $(pwd)"));
        Assert.Equal((0, "same\n", ""), d.Cli("exec", "opts", "sh", "-c", "test \"$HOSTNAME\" = \"$(hostname)\" && echo same")); // the container's own variables
        Assert.Equal((0, "65534\n", ""), d.Cli("exec", "-u", "nobody", "opts", "id", "-u"));
        var (code, _, err) = d.Cli("exec", "-w", "/dpt-no-such-dir", "opts", "pwd");
        Assert.Equal((126, "exec failed: unable to start container process: chdir to cwd (\"/dpt-no-such-dir\") set in config.json failed: no such file or directory\n"), (code, err));
    });

    [PrivilegedFact]
    public void ExecDetached_ReturnsAtOnce_ProcessRunsOn() => WithContainer("bg", () =>
    {
        var marker = Path.Combine(Path.GetTempPath(), TestNames.Unique("exec-d"));
        try
        {
            Assert.Equal((0, "", ""), d.Cli("exec", "-d", "bg", "sh", "-c", $"sleep 0.2; echo done > {marker}"));
            Wait.Until(() => File.Exists(marker) && File.ReadAllText(marker) == "done\n", "the detached exec's work");
        }
        finally
        {
            File.Delete(marker);
        }
    });

    /// <summary>The CLI on a real pseudo-terminal (as in a user's shell): raw mode while attached and
    /// restored after, the remote terminal's size from ours and following it (SIGWINCH), the exit code.</summary>
    [PrivilegedFact]
    public void ExecTty_ThroughPseudoTerminal_SizeFollowsRawModeRestored() => WithContainer("tty", () =>
    {
        using var terminal = PseudoTerminal.Open(30, 100);
        var output = new StringBuilder();
        var cli = SpawnedProcess.Start([DaemonLab.CliPath, "exec", "-it", "tty", "sh"],
            ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", $"DATAPLANE_HOST=unix://{d.Socket}"], new ChildStdio(null, null, null, terminal.SlavePath));
        var exited = cli.WaitForExitAsync();
        using var master = new FileStream(terminal.Master, FileAccess.ReadWrite, 0);
        _ = Task.Run(() =>
        {
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = master.Read(buffer)) > 0)
                    lock (output) output.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (IOException) { } // EIO: the CLI closed the terminal
        });
        string Seen() { lock (output) return output.ToString(); }
        void Type(string text)
        {
            master.Write(Encoding.UTF8.GetBytes(text));
            master.Flush();
        }
        try
        {
            Type("stty size; tty; stty -a | grep -o ' -*icanon'\n");
            Wait.Until(() => Seen().Contains("30 100") && Seen().Contains("/dev/pts/") && Seen().Contains(" icanon"), "the remote terminal's size, name and cooked mode", 20_000);
            Wait.Until(() => LocalSettings(terminal.SlavePath).Contains("-icanon"), "our terminal in raw mode while attached");
            terminal.Resize(40, 120);
            Wait.Until(() =>
            {
                Type("stty size\n");
                Thread.Sleep(100); // the poll interval between questions
                return Seen().Contains("40 120");
            }, "the remote terminal to follow our new size", 20_000);
            Type("exit 5\n");
            Assert.True(exited.Wait(20_000), "exec -it did not end with its shell");
            Assert.Equal(5, exited.Result);
            Assert.Contains(" icanon", LocalSettings(terminal.SlavePath)); // restored
        }
        finally
        {
            if (!exited.IsCompleted) Process.GetProcessById(cli.Pid).Kill();
        }
    });

    // Docker 28.x: a host IP the host does not have is the kernel's EADDRNOTAVAIL, and nothing is left behind.
    [PrivilegedFact]
    public void Run_HostIpNotOnTheHost_CannotAssignRequestedAddress()
    {
        var (code, _, err) = d.Cli("run", "-d", "--name", "farip", "-p", "198.18.250.250:8080:80", "--", "sleep", "30");
        Assert.Equal((125, "dataplane: Error response from daemon: failed to bind host port 198.18.250.250:8080/tcp: cannot assign requested address" +
            "\n\nRun 'dataplane run --help' for more information\n"), (code, err));
        Assert.DoesNotContain("farip", d.Ok("ps", "-a"));
    }

    [PrivilegedFact]
    public void Logs_StreamsApart_TimestampsSinceTail_ForegroundRunToo()
    {
        Assert.Equal((3, "o\n", "e\n"), d.Cli("run", "--rm", "--", "sh", "-c", "echo o; echo e >&2; exit 3"));
        d.Ok("run", "-d", "--name", "talk", "--", "sh", "-c", "echo out; echo err >&2; sleep 1; echo later; sleep 60");
        try
        {
            Wait.Until(() => d.Ok("logs", "talk").Contains("later"), "talk's last line");
            Assert.Equal((0, "out\nlater\n", "err\n"), d.Cli("logs", "talk"));
            var stamped = d.Ok("logs", "-t", "talk").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(stamped, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (out|later)$", l));
            string laterAt = stamped[1][..30];
            Assert.Equal((0, "later\n", ""), d.Cli("logs", "--since", laterAt, "talk"));
            var until = d.Cli("logs", "--until", stamped[0][..30], "talk");
            Assert.Equal((0, "out\n"), (until.ExitCode, until.Out));
            Assert.Equal((0, "later\n", ""), d.Cli("logs", "--tail", "1", "talk"));
        }
        finally
        {
            d.Cli("rm", "-f", "talk");
        }
    }

    private static string LocalSettings(string tty)
    {
        var info = new ProcessStartInfo("stty", ["-a", "-F", tty]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text;
    }
}
