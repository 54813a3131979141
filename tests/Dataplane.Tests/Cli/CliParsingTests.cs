using System.Net;
using System.Text.Json;
using Dataplane.Cli;
using Dataplane.Cli.Commands;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Tests.Cli;

public class CliParsingTests
{
    private static RecordingHandler Ok(string body = "{}") => new((_, _) => (HttpStatusCode.OK, body));

    private static RunRequest Body(RecordingHandler h) =>
        JsonSerializer.Deserialize(h.Requests.Single(r => r.Path == "/containers").Body!, ApiJsonContext.Default.RunRequest)!;

    [Fact]
    public async Task Run_EveryOption_BecomesRunRequest()
    {
        var h = Ok("{\"id\":\"abc\",\"warnings\":[]}");
        var r = await CliHarness.RunAsync(
        [
            "run", "-d", "--rm", "--name", "web", "--net", "lab", "-p", "8080:80", "-p", "127.0.0.1::53/udp", "-P",
            "--expose", "7000-7001", "-h", "web1", "--dns", "1.1.1.1", "--add-host", "db:10.0.0.5", "--link", "db:database",
            "-e", "A=1", "-e", "FROM_ENV", "-e", "UNSET", "--ip", "10.77.0.9", "--", "sh", "-c", "echo hi",
        ], h, k => k == "FROM_ENV" ? "x" : null);
        Assert.Equal((0, "abc\n", ""), (r.ExitCode, r.Out, r.Err));
        var body = Body(h);
        Assert.Equal(["sh", "-c", "echo hi"], body.Command);
        Assert.Equal(("web", "lab", "web1", "10.77.0.9", true, true, true), (body.Name, body.Network, body.Hostname, body.Ip, body.Detach, body.AutoRemove, body.PublishAll));
        Assert.Equal(["8080:80", "127.0.0.1::53/udp"], body.Publish!);
        Assert.Equal(["7000-7001"], body.Expose!);
        Assert.Equal(["1.1.1.1"], body.Dns!);
        Assert.Equal(["db:10.0.0.5"], body.AddHosts!);
        Assert.Equal(["db:database"], body.Links!);
        Assert.Equal(["A=1", "FROM_ENV=x"], body.Env!);
    }

    [Fact]
    public async Task Run_Foreground_StreamsLogsAndPassesExitCode()
    {
        var h = new RecordingHandler((req, _) => req.RequestUri!.AbsolutePath switch
        {
            "/containers" => (HttpStatusCode.Created, "{\"id\":\"abc\",\"warnings\":[\"WARNING: Published ports are discarded when using host network mode\"]}"),
            "/containers/abc/logs" => (HttpStatusCode.OK, "\u0001\0\0\0\0\0\0\u0006hello\n\u0002\0\0\0\0\0\0\u0004err\n"), // Docker's frames
            _ => (HttpStatusCode.OK, "{\"exitCode\":3}"),
        });
        var r = await CliHarness.RunAsync(["run", "--net", "host", "-p", "80", "--", "echo", "hello"], h);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("hello\n", r.RawOut);
        Assert.Equal("WARNING: Published ports are discarded when using host network mode\nerr\n", r.Err);
        Assert.Equal(["/containers", "/containers/abc/logs?follow=true&timestamps=false&since=&until=&tail=all", "/containers/abc/wait"], h.Requests.Select(x => x.Path));
    }

    private const string RunHelp = "\n\nRun 'dataplane run --help' for more information";

    // Texts: docker/cli v28.2.2 cli/command/container/run.go (withHelp: "docker: ERR\n\nRun 'docker run --help' ...", 125),
    // cli/cobra.go FlagErrorFunc (125), cli/required.go (1), cmd/docker/docker.go (unknown command, 1); checked against docker 28.2.2.
    [Theory]
    [InlineData(125, "dataplane: invalid containerPort: 0" + RunHelp, "run", "-p", "8080:0", "true")]
    [InlineData(125, "dataplane: Invalid hostPort: 65536" + RunHelp, "run", "-p", "65536:80", "--", "true")]
    [InlineData(1, "dataplane: 'dataplane run' requires at least 1 argument\n\nUsage:  dataplane run [OPTIONS] COMMAND [ARG...]\n\nSee 'dataplane run --help' for more information", "run", "-d")]
    [InlineData(125, "dataplane: conflicting options: port publishing and the container type network mode" + RunHelp, "run", "--net", "container:db", "-p", "80", "true")]
    [InlineData(125, "dataplane: invalid argument \"x\" for \"--add-host\" flag: bad format for add-host: \"x\"" + RunHelp, "run", "--add-host", "x", "--", "true")]
    [InlineData(125, "dataplane: invalid subnet 10.0.0.1/24: it should be 10.0.0.0/24", "network", "create", "--subnet", "10.0.0.1/24", "n")]
    [InlineData(125, "dataplane: Invalid proto: tcp/x", "port", "web", "80/tcp/x")]
    [InlineData(125, "dataplane: invalid host \"tcp://1.2.3.4:2375\": only unix:///PATH is supported", "--host", "tcp://1.2.3.4:2375", "ps")]
    [InlineData(1, "dataplane: unknown command: dataplane bogus\n\nRun 'dataplane --help' for more information", "bogus")]
    [InlineData(1, "dataplane: unknown command: dataplane network bogus\n\nUsage:  dataplane network COMMAND\n\nRun 'dataplane network --help' for more information", "network", "bogus")]
    [InlineData(125, "unknown flag: --bogus\n\nUsage:  dataplane ps [OPTIONS]\n\nRun 'dataplane ps --help' for more information", "ps", "--bogus")]
    [InlineData(125, "unknown flag: --bogus\n\nUsage:  dataplane run [OPTIONS] COMMAND [ARG...]\n\nRun 'dataplane run --help' for more information", "run", "--bogus", "x")]
    [InlineData(125, "unknown shorthand flag: 'z' in -dz\n\nUsage:  dataplane run [OPTIONS] COMMAND [ARG...]\n\nRun 'dataplane run --help' for more information", "run", "-dz", "x")]
    [InlineData(125, "flag needs an argument: --name\n\nUsage:  dataplane run [OPTIONS] COMMAND [ARG...]\n\nRun 'dataplane run --help' for more information", "run", "--name")]
    [InlineData(1, "dataplane: 'dataplane exec' requires at least 2 arguments\n\nUsage:  dataplane exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'dataplane exec --help' for more information", "exec", "web")]
    [InlineData(1, "dataplane: 'dataplane port' requires at least 1 and at most 2 arguments\n\nUsage:  dataplane port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'dataplane port --help' for more information", "port", "a", "b", "c")]
    public async Task BadInput_DockerTextAndExitCode_DaemonNotContacted(int exitCode, string message, params string[] args)
    {
        var h = Ok();
        var r = await CliHarness.RunAsync(args, h);
        Assert.Equal((exitCode, message + "\n"), (r.ExitCode, r.Err));
        Assert.Empty(h.Requests);
    }

    [Theory]
    [InlineData(new[] { "run", "echo", "a", "-p", "5201", "b" }, new[] { "echo", "a", "-p", "5201", "b" }, false)]
    [InlineData(new[] { "run", "-d", "ls", "-d", "/" }, new[] { "ls", "-d", "/" }, true)]
    [InlineData(new[] { "run", "-d", "--", "ls", "--", "x" }, new[] { "ls", "--", "x" }, true)]
    [InlineData(new[] { "run", "--name=web", "-dp", "80", "sh", "-c", "echo @x" }, new[] { "sh", "-c", "echo @x" }, true)]
    [InlineData(new[] { "--host", "unix:///x.sock", "run", "-h", "probe", "--rm", "cat", "--help" }, new[] { "cat", "--help" }, false)]
    public async Task Run_OptionsEndAtTheCommand_RestUntouched(string[] args, string[] command, bool detach)
    {
        var h = Ok("{\"id\":\"abc\",\"warnings\":[]}");
        await CliHarness.RunAsync(args, h);
        var body = Body(h);
        Assert.Equal(command, body.Command);
        Assert.Equal(detach, body.Detach);
    }

    [Theory]
    [InlineData(new[] { "exec", "web", "ls", "-la", "-e", "x" }, new[] { "ls", "-la", "-e", "x" })]
    [InlineData(new[] { "exec", "web", "--", "ip", "addr" }, new[] { "ip", "addr" })]
    [InlineData(new[] { "exec", "--", "web", "sh", "--", "x" }, new[] { "sh", "--", "x" })]
    public async Task Exec_OptionsEndAtTheContainer_RestUntouched(string[] args, string[] command)
    {
        var h = Ok("{\"id\":\"e1\"}");
        await CliHarness.RunAsync(args, h); // the attached start needs a real socket: only the create is recorded
        var request = JsonSerializer.Deserialize(h.Requests.Single().Body!, ApiJsonContext.Default.ExecRequest)!;
        Assert.Equal("/containers/web/exec", h.Requests.Single().Path);
        Assert.Equal(command, request.Command);
    }

    [Fact]
    public async Task Exec_EnvWorkdirUserDetach_SentAsDockerCreateThenDetachedStart()
    {
        var h = Ok("{\"id\":\"e1\"}");
        var r = await CliHarness.RunAsync(["exec", "-d", "-e", "A=1", "-e", "FROM_CALLER", "-w", "/tmp", "-u", "nobody", "web", "env"], h,
            name => name == "FROM_CALLER" ? "yes" : null);
        Assert.Equal((0, ""), (r.ExitCode, r.Err));
        Assert.Equal(["/containers/web/exec", "/exec/e1/start?detach=true"], h.Requests.Select(x => x.Path));
        var request = JsonSerializer.Deserialize(h.Requests[0].Body!, ApiJsonContext.Default.ExecRequest)!;
        Assert.Equal(("A=1 FROM_CALLER=yes", "/tmp", "nobody", false, false), (string.Join(' ', request.Env!), request.WorkingDir, request.User, request.AttachStdin, request.Tty));
    }

    // docker/cli exec.go: -it needs a terminal on stdin; nothing is sent.
    [Fact]
    public async Task Exec_InteractiveTtyWithoutTerminal_RefusedLikeDocker()
    {
        var h = Ok("{\"id\":\"e1\"}");
        var r = await CliHarness.RunAsync(["exec", "-it", "web", "sh"], h);
        Assert.Equal((1, "the input device is not a TTY\n"), (r.ExitCode, r.Err));
        Assert.Empty(h.Requests);
    }

    // docker/cli run.go toStatusError: 127 "executable file not found"/"no such file or directory", 126 "permission denied", else 125.
    [Theory]
    [InlineData(400, "failed to create task for container: exec: \"nosuch\": executable file not found in $PATH", 127)]
    [InlineData(400, "failed to create task for container: exec: \"/etc\": permission denied", 126)]
    [InlineData(404, "network nope not found", 125)]
    public async Task Run_DaemonError_DockerTextAndExitCode(int status, string message, int exitCode)
    {
        var h = new RecordingHandler((_, _) => ((HttpStatusCode)status, JsonSerializer.Serialize(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse)));
        var r = await CliHarness.RunAsync(["run", "nosuch"], h);
        Assert.Equal((exitCode, $"dataplane: Error response from daemon: {message}{RunHelp}\n"), (r.ExitCode, r.Err));
    }

    // The daemon answers a failed exec start with the runtime's words; Docker prints them and exits 126.
    [Fact]
    public async Task Exec_StartFailure_DockerTextAnd126()
    {
        const string daemon = "exec: \"nosuch\": executable file not found in $PATH";
        var h = new RecordingHandler((_, _) => (HttpStatusCode.BadRequest, JsonSerializer.Serialize(new ErrorResponse(daemon), ApiJsonContext.Default.ErrorResponse)));
        var r = await CliHarness.RunAsync(["exec", "web", "nosuch"], h);
        Assert.Equal((126, "exec failed: unable to start container process: exec: \"nosuch\": executable file not found in $PATH\n"), (r.ExitCode, r.Err));
    }

    [Fact]
    public async Task DaemonError_PrintedLikeDocker()
    {
        var h = new RecordingHandler((_, _) => (HttpStatusCode.NotFound, "{\"message\":\"network nope not found\"}"));
        var r = await CliHarness.RunAsync(["rm", "nope"], h);
        Assert.Equal((1, "Error response from daemon: network nope not found\n"), (r.ExitCode, r.Err));
    }

    [Fact]
    public async Task Host_OptionAndEnvironment_ChooseSocket()
    {
        string? used = null;
        ApiClient Connect(string path)
        {
            used = path;
            return new ApiClient(Ok("[]"));
        }
        await CliHarness.RunAsync(["--host", "unix:///tmp/a.sock", "ps"], Connect);
        Assert.Equal("/tmp/a.sock", used);
        await CliHarness.RunAsync(["ps"], Connect, k => k == "DATAPLANE_HOST" ? "unix:///tmp/b.sock" : null);
        Assert.Equal("/tmp/b.sock", used);
        await CliHarness.RunAsync(["ps"], Connect);
        Assert.Equal("/run/dataplane/dataplane.sock", used);
    }

    [Fact]
    public async Task NetworkCreate_Options_BecomeRequest()
    {
        var h = Ok("{\"id\":\"nid\",\"warnings\":[]}");
        var r = await CliHarness.RunAsync(["network", "create", "--subnet", "10.9.0.0/24", "--gateway", "10.9.0.254", "--internal", "-o", "icc=false", "lab"], h);
        Assert.Equal("nid\n", r.Out);
        var req = JsonSerializer.Deserialize(h.Requests.Single().Body!, ApiJsonContext.Default.NetworkCreateRequest)!;
        Assert.Equal(("lab", "10.9.0.0/24", "10.9.0.254", true, "false"), (req.Name, req.Subnet, req.Gateway, req.Internal, req.Options!["icc"]));
    }

    [Fact]
    public async Task NetworkRm_Several_EachInTurnFailuresReportedExit1()
    {
        var h = new RecordingHandler((req, _) => req.RequestUri!.AbsolutePath == "/networks/ghost"
            ? (HttpStatusCode.NotFound, "{\"message\":\"network ghost not found\"}")
            : (HttpStatusCode.NoContent, ""));
        var r = await CliHarness.RunAsync(["network", "rm", "a", "ghost", "b"], h);
        Assert.Equal((1, "a\nb\n", "Error response from daemon: network ghost not found\n"), (r.ExitCode, r.Out, r.Err));
        Assert.Equal(["/networks/a", "/networks/ghost", "/networks/b"], h.Requests.Select(x => x.Path));
    }

    [Fact]
    public void FormatNetworkLs_AlignedColumns()
    {
        var text = NetworkCommands.FormatList([new NetworkInfo(Dataplane.Tests.ControlPlane.Fixtures.Bridge, [])]);
        Assert.Equal("NETWORK ID     NAME      DRIVER    SCOPE     SUBNET\nbbbbbbbbbbbb   bridge    bridge    local     172.17.0.0/16\n", text);
    }

    [Fact]
    public async Task Port_Lookup_FormatsAndMissingIsDockerError()
    {
        var h = Ok("[{\"hostIp\":\"0.0.0.0\",\"hostPort\":8080,\"containerPort\":80,\"proto\":\"tcp\"},{\"hostIp\":\"127.0.0.1\",\"hostPort\":49155,\"containerPort\":5000,\"proto\":\"tcp\"}]");
        Assert.Equal("80/tcp -> 0.0.0.0:8080\n5000/tcp -> 127.0.0.1:49155\n", (await CliHarness.RunAsync(["port", "web"], h)).Out);
        Assert.Equal("127.0.0.1:49155\n", (await CliHarness.RunAsync(["port", "web", "5000"], h)).Out);
        var missing = await CliHarness.RunAsync(["port", "web", "81/udp"], h);
        Assert.Equal((1, "Error: No public port '81/udp' published for web\n"), (missing.ExitCode, missing.Err));
    }

    // Never start a real daemon from a test process: it would run in the machine's own namespace.
    // Bad options are refused before anything is touched (and the uplink named does not exist).
    [Fact]
    public async Task Daemon_BadPublishAllRange_RefusedBeforeStarting()
    {
        var tmp = Path.Combine(Path.GetTempPath(), "dpt-" + Guid.NewGuid().ToString("n")[..8]);
        var stderr = new StringWriter();
        int rc = await Dataplane.Daemon.Program.RunAsync(["daemon", "--publish-all-range", "9-1", "--uplink", "dpt-nosuch0", "--socket-cgroup", "none",
            "--pin-dir", tmp + "-pins", "--state-dir", tmp, "--host", "unix://" + tmp + ".sock"], new StringWriter(), stderr, _ => null, CancellationToken.None);
        Assert.NotEqual(0, rc);
        Assert.Contains("invalid port range for -P: 9-1", stderr.ToString());
        Assert.False(Directory.Exists(tmp));
    }

    [Fact]
    public async Task NoDaemon_DockerLikeConnectError()
    {
        var path = Path.Combine(Path.GetTempPath(), "dp-none-" + Guid.NewGuid().ToString("n")[..8] + ".sock");
        var r = await CliHarness.RunAsync(["--host", "unix://" + path, "ps"], p => new ApiClient(p));
        Assert.Equal((1, $"Cannot connect to the Dataplane daemon at unix://{path}. Is the dataplane daemon running?\n"), (r.ExitCode, r.Err));
    }

}
