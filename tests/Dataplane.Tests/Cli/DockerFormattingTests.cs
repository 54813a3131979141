using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dataplane.Cli.Commands;
using Dataplane.Cli.Formatting;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Tests.Cli;

/// <summary>ps, inspect and durations against what Docker prints for the same container.</summary>
public class DockerFormattingTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);

    private static ContainerRecord Web(ContainerState state = ContainerState.Running, int? exit = null, string name = "web", DateTimeOffset? created = null) =>
        new("0123456789ab" + new string(name[0], 52), name, "lab", [new EndpointRecord("lab", "10.77.0.2", "02420A4D0002")], "web",
            ["1.1.1.1"], ["db.test:10.77.0.9"], [new LinkRecord("db", "database")], ["A=1"], ["5000/tcp", "80/tcp"],
            [new PortMappingRecord("0.0.0.0", 8080, 80, "tcp")], ["python", "app.py", "--very-long-argument"],
            true, false, state, exit, state == ContainerState.Running ? 4242 : null, created ?? Created, StartedAt: created ?? Created);

    // docker/go-units duration.go HumanDuration.
    [Theory]
    [InlineData(0.5, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(3599, "59 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(5399, "About an hour")]
    [InlineData(5400, "2 hours")]
    [InlineData(47 * 3600, "47 hours")]
    [InlineData(48 * 3600, "2 days")]
    [InlineData(14 * 86400, "2 weeks")]
    [InlineData(60 * 86400, "2 months")]
    [InlineData(730 * 86400, "2 years")]
    public void HumanDuration_GoUnitsRules(double seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Of(TimeSpan.FromSeconds(seconds)));

    // moby container/state.go String().
    [Fact]
    public void Status_RunningExitedCreated_AsMoby()
    {
        var now = Created.AddMinutes(5);
        Assert.Equal("Up 5 minutes", HumanDuration.Status("running", null, Created, null, now));
        Assert.Equal("Exited (3) 1 second ago", HumanDuration.Status("exited", 3, Created, now.AddSeconds(-1), now));
        Assert.Equal("Exited (3)", HumanDuration.Status("exited", 3, Created, null, now));
        Assert.Equal("Created", HumanDuration.Status("created", null, Created, null, now));
    }

    // docker/cli formatter/container.go Command(): strconv.Quote(Ellipsis(command, 20)).
    [Theory]
    [InlineData(new[] { "sleep", "100" }, true, "\"sleep 100\"")]
    [InlineData(new[] { "python", "app.py", "--very-long-argument" }, true, "\"python app.py --ver…\"")]
    [InlineData(new[] { "python", "app.py", "--very-long-argument" }, false, "\"python app.py --very-long-argument\"")]
    [InlineData(new[] { "sh", "-c", "echo \"hi\"\tthere" }, true, "\"sh -c echo \\\"hi\\\"\\tthe…\"")]
    public void Command_QuotedAndTruncatedAsDocker(string[] command, bool truncate, string expected) =>
        Assert.Equal(expected, ContainerRows.Command(command, truncate));

    private static Task<CliRun> Ps(params string[] args)
    {
        var containers = new[]
        {
            Web(),
            Web(ContainerState.Exited, 3, "old", Created.AddMinutes(-10)),
        };
        var body = JsonSerializer.Serialize<IReadOnlyList<ContainerRecord>>(containers, ApiJsonContext.Default.IReadOnlyListContainerRecord);
        var handler = new RecordingHandler((_, _) => (HttpStatusCode.OK, body));
        return RunAt(["ps", .. args], handler, Created.AddMinutes(5));
    }

    private static async Task<CliRun> RunAt(string[] args, RecordingHandler handler, DateTimeOffset now)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new Dataplane.Cli.CliContext(stdout, stderr, _ => null, _ => new ApiClient(handler), now: () => now);
        int rc = await Dataplane.Cli.CliApp.RunAsync(args, context);
        return new CliRun(rc, stdout.ToString(), stderr.ToString(), "");
    }

    [Fact]
    public async Task Ps_Default_DockersColumnsAndDurations()
    {
        var r = await Ps();
        Assert.Equal(
            "CONTAINER ID   COMMAND                  CREATED         STATUS         NETWORKS   IP ADDRESS   PORTS                            NAMES\n" +
            "0123456789ab   \"python app.py --ver…\"   5 minutes ago   Up 5 minutes   lab        10.77.0.2    5000/tcp, 0.0.0.0:8080->80/tcp   web\n",
            r.Out);
    }

    [Fact]
    public async Task Ps_AllQuietLastFilters_AsDocker()
    {
        Assert.Equal(2, (await Ps("-a")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
        Assert.Equal("0123456789ab\n0123456789ab\n", (await Ps("-aq")).Out); // short IDs: web's, then old's
        Assert.Equal("web\n", (await Ps("-l", "--format", "{{.Names}}")).Out);
        Assert.Equal("web\nold\n", (await Ps("-n", "2", "--format", "{{.Names}}")).Out);
        Assert.Equal("old Exited (3)\n", (await Ps("-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}")).Out);
        Assert.Equal("old\n", (await Ps("-a", "-f", "name=^/ol", "--format", "{{.Names}}")).Out);
        Assert.Equal("web\nold\n", (await Ps("-a", "-f", "network=lab", "--format", "{{.Names}}")).Out);
        Assert.Equal("", (await Ps("-a", "-f", "network=other", "--format", "{{.Names}}")).Out);
        Assert.Equal(64, (await Ps("-q", "--no-trunc")).Out.Trim().Length);
        Assert.Equal("NAMES     STATE\nweb       running\n", (await Ps("--format", "table {{.Names}}\\t{{.State}}")).Out);
        var json = JsonNode.Parse((await Ps("--format", "json")).Out)!;
        Assert.Equal(("web", "running", "Up 5 minutes"), ((string?)json["Names"], (string?)json["State"], (string?)json["Status"]));
    }

    [Theory]
    [InlineData("bogus=1", "Error response from daemon: invalid filter 'bogus'\n", 1)]
    [InlineData("status=sleeping", "Error response from daemon: invalid filter 'status=sleeping'\n", 1)]
    [InlineData("nokey", "dataplane: invalid argument \"nokey\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\n", 125)]
    public async Task Ps_BadFilter_DockersError(string filter, string error, int code)
    {
        var r = await Ps("--filter", filter);
        Assert.Equal((code, error), (r.ExitCode, r.Err));
    }

    [Fact]
    public void Inspect_Container_DockersSchema()
    {
        var network = new NetworkInfo(Dataplane.Tests.ControlPlane.Fixtures.Lab, []);
        var doc = DockerInspect.Container(Web(), [network]);
        Assert.Equal("/web", (string?)doc["Name"]);
        Assert.Equal("2026-12-03T16:00:00Z", (string?)doc["Created"]);
        Assert.Equal("python", (string?)doc["Path"]);
        Assert.Equal("[\"app.py\",\"--very-long-argument\"]", doc["Args"]!.ToJsonString());
        Assert.Equal("{\"Status\":\"running\",\"Running\":true,\"Paused\":false,\"Restarting\":false,\"Dead\":false,\"Pid\":4242,\"ExitCode\":0,\"StartedAt\":\"2026-12-03T16:00:00Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"}",
            doc["State"]!.ToJsonString());
        Assert.Equal("{\"NetworkMode\":\"lab\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]},\"AutoRemove\":false,\"Dns\":[\"1.1.1.1\"],\"ExtraHosts\":[\"db.test:10.77.0.9\"],\"Links\":[\"/db:/web/database\"]}",
            doc["HostConfig"]!.ToJsonString());
        Assert.Equal("{\"Hostname\":\"web\",\"ExposedPorts\":{\"5000/tcp\":{},\"80/tcp\":{}},\"Env\":[\"A=1\"],\"Cmd\":[\"python\",\"app.py\",\"--very-long-argument\"]}",
            doc["Config"]!.ToJsonString());
        var settings = doc["NetworkSettings"]!;
        Assert.Equal("{\"5000/tcp\":null,\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]}", settings["Ports"]!.ToJsonString());
        Assert.Equal("", (string?)settings["IPAddress"]); // top-level fields are the default bridge's only, as in Docker
        var lab = settings["Networks"]!["lab"]!;
        Assert.Equal(("10.77.0.2", 24, "10.77.0.1", "02:42:0a:4d:00:02", new string('c', 64)),
            ((string?)lab["IPAddress"], (int?)lab["IPPrefixLen"], (string?)lab["Gateway"], (string?)lab["MacAddress"], (string?)lab["NetworkID"]));
    }

    [Fact]
    public void Inspect_Container_TemplatesReadItsNumbers()
    {
        var doc = DockerInspect.Container(Web(), [new NetworkInfo(Dataplane.Tests.ControlPlane.Fixtures.Lab, [])]);
        var text = Dataplane.Cli.Templates.GoTemplate.Parse("{{.State.Pid}} {{.State.ExitCode}} {{(index .NetworkSettings.Networks \"lab\").IPPrefixLen}} {{json .State.Pid}}").Execute(doc);
        Assert.Equal("4242 0 24 4242", text);
    }

    [Fact]
    public void Inspect_Network_DockersSchema()
    {
        var web = Web();
        var doc = DockerInspect.Network(new NetworkInfo(Dataplane.Tests.ControlPlane.Fixtures.Lab, [new EndpointInfo("web", web.Id, "10.77.0.2", "02420A4D0002")]));
        Assert.Equal(("lab", "local", "bridge", false), ((string?)doc["Name"], (string?)doc["Scope"], (string?)doc["Driver"], (bool?)doc["EnableIPv6"]));
        Assert.Equal("{\"Driver\":\"default\",\"Options\":null,\"Config\":[{\"Subnet\":\"10.77.0.0/24\",\"Gateway\":\"10.77.0.1\"}]}", doc["IPAM"]!.ToJsonString());
        Assert.Equal($"{{\"{web.Id}\":{{\"Name\":\"web\",\"EndpointID\":\"\",\"MacAddress\":\"02:42:0a:4d:00:02\",\"IPv4Address\":\"10.77.0.2/24\",\"IPv6Address\":\"\"}}}}",
            doc["Containers"]!.ToJsonString());
    }
}
