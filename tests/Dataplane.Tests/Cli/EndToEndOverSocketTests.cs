using System.Text.Json.Nodes;
using System.Text.Json;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Tests.Cli;

/// <summary>The CLI against the real ApiServer on a Unix socket in a temp dir, with the in-memory fake engine.</summary>
public sealed class EndToEndOverSocketTests : IAsyncLifetime
{
    private const string RunHelp = "\n\nRun 'dataplane run --help' for more information\n";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dp-api-" + Guid.NewGuid().ToString("n")[..8]);
    private ApiServer? _server;

    private string Socket => Path.Combine(_dir, "d.sock");

    public async Task InitializeAsync()
    {
        var engine = new FakeEngine();
        _server = await ApiServer.StartAsync(Socket, engine, engine);
    }

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<CliRun> Cli(params string[] args) =>
        CliHarness.RunAsync(["--host", "unix://" + Socket, .. args], path => new ApiClient(path));

    [Fact]
    public void Socket_Mode_Is0660()
    {
        Assert.False(OperatingSystem.IsWindows());
        var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(Socket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
    }

    [Fact]
    public async Task Scenario_NetworkRunPortPsRm_DockerBehaviour()
    {
        var created = await Cli("network", "create", "--subnet", "10.77.0.0/24", "lab");
        Assert.Equal(0, created.ExitCode);
        Assert.Matches("^[0-9a-f]{64}\n$", created.Out);

        var overlap = await Cli("network", "create", "--subnet", "10.77.0.128/25", "lab2");
        Assert.Equal((1, "Error response from daemon: Pool overlaps with other one on this address space\n"), (overlap.ExitCode, overlap.Err));

        var web = await Cli("run", "-d", "--name", "web", "--net", "lab", "-p", "127.0.0.1:8080:80", "--expose", "5000", "-P", "--", "sleep", "100");
        Assert.Equal((0, ""), (web.ExitCode, web.Err));

        var port = await Cli("port", "web");
        Assert.Equal("80/tcp -> 127.0.0.1:8080\n5000/tcp -> 0.0.0.0:49000\n", port.Out);
        Assert.Equal("0.0.0.0:49000\n", (await Cli("port", "web", "5000/tcp")).Out);

        var clash = await Cli("run", "-d", "--name", "web2", "-p", "8080:80", "--", "sleep", "1");
        Assert.Equal((125, "dataplane: Error response from daemon: Bind for 0.0.0.0:8080 failed: port is already allocated" + RunHelp), (clash.ExitCode, clash.Err));

        var dup = await Cli("run", "-d", "--name", "web", "--", "sleep", "1");
        Assert.StartsWith("dataplane: Error response from daemon: Conflict. The container name \"/web\" is already in use", dup.Err);

        var ps = await Cli("ps");
        Assert.Contains("127.0.0.1:8080->80/tcp, 0.0.0.0:49000->5000/tcp", ps.Out);
        Assert.Contains("10.77.0.2", ps.Out);

        var inspect = await Cli("inspect", "web");
        var lab = JsonNode.Parse(inspect.Out)!.AsArray().Single()!["NetworkSettings"]!["Networks"]!["lab"]!;
        Assert.Equal(("10.77.0.2", "02:42:0a:4d:00:02", 24, "10.77.0.1"),
            ((string?)lab["IPAddress"], (string?)lab["MacAddress"], (int?)lab["IPPrefixLen"], (string?)lab["Gateway"]));

        var inUse = await Cli("network", "rm", "lab");
        Assert.StartsWith("Error response from daemon: error while removing network: network lab id", inUse.Err);

        var running = await Cli("rm", "web");
        Assert.StartsWith("Error response from daemon: You cannot remove a running container", running.Err);
        Assert.Equal("web\n", (await Cli("rm", "-f", "web")).Out);
        Assert.Equal("lab\n", (await Cli("network", "rm", "lab")).Out);
        Assert.Equal(0, (await Cli("run", "-d", "-p", "8080:80", "--", "sleep", "1")).ExitCode);

        var ls = await Cli("network", "ls");
        Assert.DoesNotContain("lab", ls.Out);
        Assert.Contains("bridge", ls.Out);
    }

    [Fact]
    public async Task Run_Foreground_OutputAndExitCodePassThrough()
    {
        var r = await Cli("run", "--", "sh", "-c", "exit", "42");
        Assert.Equal(42, r.ExitCode);
        Assert.Equal("sh -c exit 42\n", r.RawOut);
    }

    [Fact]
    public async Task Exec_Logs_Errors()
    {
        await Cli("run", "-d", "--name", "db", "--", "server");
        var exec = await Cli("exec", "db", "--", "echo", "hi");
        Assert.Equal((7, "echo hi\n", "err\n"), (exec.ExitCode, exec.RawOut, exec.Err)); // stdout and stderr apart, over the hijacked connection
        Assert.Equal("server\n", (await Cli("logs", "db")).RawOut);
        Assert.Equal("Error response from daemon: No such container: ghost\n", (await Cli("logs", "ghost")).Err);
        Assert.Equal("dataplane: Error response from daemon: network nope not found" + RunHelp, (await Cli("run", "--net", "nope", "--", "x")).Err);
        Assert.Equal("dataplane: Error response from daemon: could not get container for ghost: No such container: ghost" + RunHelp, (await Cli("run", "--link", "ghost", "--", "x")).Err);
        var link = await Cli("run", "-d", "--name", "app", "--link", "db:database", "--", "x");
        Assert.Equal(0, link.ExitCode);
        var names = await Cli("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "bridge");
        Assert.Equal(["app", "db"], names.Out.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }

    // docker version: the client's section, then the daemon's ("Server: ...", " Engine:"), --format over both.
    [Fact]
    public async Task Version_ClientAndServerSections_AsDockerVersion()
    {
        string kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var r = await Cli("version");
        Assert.Equal((0, ""), (r.ExitCode, r.Err));
        Assert.Matches("^Client:\n Version: +\\S+\n API version: +1\n \\.NET version: +\\S+\n Git commit: +\\S+\n OS/Arch: +linux/\\w+\n\n" +
            "Server: Dataplane\n Engine:\n  Version: +\\S+\n  API version: +1\n  \\.NET version: +\\S+\n  Git commit: +\\S+\n  OS/Arch: +linux/\\w+\n" +
            "  Kernel version: +" + System.Text.RegularExpressions.Regex.Escape(kernel) + "\n$", r.Out);
        Assert.Equal(kernel + "\n", (await Cli("version", "--format", "{{.Server.KernelVersion}}")).Out);
    }

    [Fact]
    public async Task Version_DaemonUnreachable_ClientSectionThenTheErrorExit1()
    {
        var r = await CliHarness.RunAsync(["--host", "unix:///dpt-nonexistent/d.sock", "version"], path => new ApiClient(path));
        Assert.StartsWith("Client:\n Version:", r.Out);
        Assert.DoesNotContain("Server", r.Out);
        Assert.Equal((1, "Cannot connect to the Dataplane daemon at unix:///dpt-nonexistent/d.sock. Is the dataplane daemon running?\n"), (r.ExitCode, r.Err));
    }
}
