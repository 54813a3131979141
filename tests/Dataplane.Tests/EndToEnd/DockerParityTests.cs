using System.Text.RegularExpressions;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// The built `dataplane` binary (NativeAOT, out/) against a real daemon in a throwaway namespace, scenario
/// by scenario: exact output and exit code as Docker gives them. Sources: docker 28.2.2 run here without a
/// daemon (usage errors), docker/cli v28.2.2 (cli/required.go, cli/cobra.go FlagErrorFunc, cmd/docker/docker.go,
/// cli/command/container/run.go withHelp and toStatusError, cli/command/inspect/inspector.go), and the
/// issue's side-by-side notes (exec start failure 126).
/// </summary>
public sealed class DockerParityTests : IClassFixture<DaemonLab>
{
    private const string RunHelp = "\n\nRun 'dataplane run --help' for more information\n";
    private readonly DaemonLab _d;

    public DockerParityTests(DaemonLab d)
    {
        _d = d;
        if (Privileges.IsRoot && d.Ok("ps", "-q", "--filter", "name=^/pweb$").Length == 0)
            d.Ok("run", "-d", "--name", "pweb", "-e", "A=1", "sleep", "300");
    }

    public static TheoryData<string[], int, string, string> Scenarios => new()
    {
        // cmd/docker/docker.go: unknown command, exit 1.
        { ["bogus"], 1, "", "dataplane: unknown command: dataplane bogus\n\nRun 'dataplane --help' for more information\n" },
        // cli/cobra.go FlagErrorFunc: exit 125.
        { ["ps", "--bogus"], 125, "", "unknown flag: --bogus\n\nUsage:  dataplane ps [OPTIONS]\n\nRun 'dataplane ps --help' for more information\n" },
        // cli/required.go RequiresMinArgs: exit 1.
        { ["run"], 1, "", "dataplane: 'dataplane run' requires at least 1 argument\n\nUsage:  dataplane run [OPTIONS] COMMAND [ARG...]\n\nSee 'dataplane run --help' for more information\n" },
        // run.go: parse errors withHelp, 125.
        { ["run", "-p", "8080:0", "true"], 125, "", "dataplane: invalid containerPort: 0" + RunHelp },
        // run.go toStatusError: not found 127, cannot execute 126, otherwise the command's own code.
        { ["run", "--rm", "dpt-no-such-command"], 127, "", "dataplane: Error response from daemon: failed to create task for container: exec: \"dpt-no-such-command\": executable file not found in $PATH" + RunHelp },
        { ["run", "--rm", "/etc"], 126, "", "dataplane: Error response from daemon: failed to create task for container: exec: \"/etc\": permission denied" + RunHelp },
        { ["run", "--rm", "sh", "-c", "exit 3"], 3, "", "" },
        // pflag SetInterspersed(false): options end at the command.
        { ["run", "--rm", "echo", "a", "-p", "5201", "b"], 0, "a -p 5201 b\n", "" },
        { ["run", "--rm", "--", "echo", "--", "x"], 0, "-- x\n", "" },
        // exec: the command's code; a command that cannot start, 126.
        { ["exec", "pweb", "sh", "-c", "exit 4"], 4, "", "" },
        { ["exec", "pweb", "ls", "-d", "/"], 0, "/\n", "" },
        { ["exec", "pweb", "dpt-no-such-command"], 126, "", "exec failed: unable to start container process: exec: \"dpt-no-such-command\": executable file not found in $PATH\n" },
        // inspector.go: what was found ("[]" when nothing), then an error per missing name, exit 1.
        { ["inspect", "dpt-nosuch"], 1, "[]\n", "Error: No such object: dpt-nosuch\n" },
        { ["network", "inspect", "dpt-nosuch"], 1, "[]\n", "Error: No such network: dpt-nosuch\n" },
        { ["inspect", "-f", "{{.Name}} {{.State.Status}} {{.Config.Env}} {{.Path}} {{json .Args}}", "pweb"], 0, "/pweb running [A=1] sleep [\"300\"]\n", "" },
        { ["inspect", "--format", "{{.Name}}", "pweb", "bridge"], 0, "/pweb\nbridge\n", "" },
        { ["ps", "--format", "{{.Names}}\t{{.Command}}\t{{.State}}", "--filter", "name=^/pweb$"], 0, "pweb\t\"sleep 300\"\trunning\n", "" },
        { ["rm", "dpt-nosuch"], 1, "", "Error response from daemon: No such container: dpt-nosuch\n" },
    };

    [PrivilegedTheory]
    [MemberData(nameof(Scenarios))]
    public void Command_AsDocker_SameOutputAndExitCode(string[] args, int exitCode, string stdout, string stderr)
    {
        var r = _d.Cli(args);
        Assert.Equal((exitCode, stdout, stderr), (r.ExitCode, r.Out, r.Err));
    }

    [PrivilegedFact]
    public void InspectAndPs_DockerFieldsPeopleScript()
    {
        string ip = _d.Ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "pweb").Trim();
        Assert.StartsWith("198.19.", ip); // the default bridge: Docker fills the top-level fields for it
        Assert.Equal(ip, _d.Ok("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "pweb").Trim());
        Assert.Matches(new Regex("^02:42:c6:13:[0-9a-f]{2}:[0-9a-f]{2}\n$"), _d.Ok("inspect", "-f", "{{.NetworkSettings.MacAddress}}", "pweb"));
        Assert.Equal("16 198.19.0.1\n", _d.Ok("inspect", "-f", "{{.NetworkSettings.IPPrefixLen}} {{.NetworkSettings.Gateway}}", "pweb"));
        string id = _d.Ok("ps", "-q", "--filter", "name=^/pweb$").Trim();
        Assert.Matches(new Regex("^[0-9a-f]{12}$"), id);
        Assert.Contains($"\"{ip}/16\"", _d.Ok("network", "inspect", "-f", "{{json .Containers}}", "bridge"));
        Assert.Matches(new Regex("^Up (Less than a second|[0-9]+ seconds?|About a minute|[0-9]+ minutes)\n$"), _d.Ok("ps", "--filter", "id=" + id, "--format", "{{.Status}}"));
    }

    [PrivilegedFact]
    public void Publish_HostPortZero_AnyFreePort()
    {
        _d.Ok("run", "-d", "--name", "prnd", "-p", "0:80", "sleep", "30");
        try
        {
            Assert.Matches(new Regex("^0\\.0\\.0\\.0:[1-9][0-9]*\n$"), _d.Ok("port", "prnd", "80"));
        }
        finally
        {
            _d.Ok("rm", "-f", "prnd");
        }
    }

    [PrivilegedFact]
    public void Exited_StatusAndExitCodeAsDocker()
    {
        _d.Ok("run", "-d", "--name", "pexit", "sh", "-c", "exit 3");
        try
        {
            for (int i = 0; i < 100 && _d.Ok("inspect", "-f", "{{.State.Status}}", "pexit") != "exited\n"; i++) Thread.Sleep(50);
            Assert.Equal("exited 3 false\n", _d.Ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}", "pexit"));
            Assert.StartsWith("Exited (3)", _d.Ok("ps", "-a", "--filter", "status=exited", "--filter", "name=pexit", "--format", "{{.Status}}"));
            Assert.DoesNotContain("pexit", _d.Ok("ps"));
        }
        finally
        {
            _d.Ok("rm", "-f", "pexit");
        }
    }
}
