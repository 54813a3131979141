using System.Text.Json.Nodes;

namespace Dataplane.Tests.Cni;

/// <summary>
/// dataplane-cni's side of the CNI protocol that needs no kernel: VERSION, validation of the
/// environment and the configuration (with the spec's error codes), and what it does when the
/// daemon is not running. The plugin is the NativeAOT binary, executed as a runtime executes it.
/// </summary>
public sealed class CniPluginProtocolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dpt-cni-proto").FullName;

    private string NoDaemonSocket => Path.Combine(_dir, "absent.sock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A prevResult as the bridge plugin writes it: bridge, host veth, sandbox eth0, one address.</summary>
    private static JsonObject BridgeResult(string version = "1.0.0") => new()
    {
        ["cniVersion"] = version,
        ["interfaces"] = new JsonArray(
            new JsonObject { ["name"] = "cni0", ["mac"] = "02:00:00:00:00:01" },
            new JsonObject { ["name"] = "veth1234", ["mac"] = "02:00:00:00:00:02" },
            new JsonObject { ["name"] = "eth0", ["mac"] = "02:00:00:00:00:03", ["sandbox"] = "/run/netns/x" }),
        ["ips"] = new JsonArray(new JsonObject { ["interface"] = 2, ["address"] = "198.18.64.2/24", ["gateway"] = "198.18.64.1" }),
        ["dns"] = new JsonObject(),
    };

    private JsonObject Config(string version = "1.0.0", JsonNode? prevResult = null, JsonArray? portMappings = null) => new()
    {
        ["cniVersion"] = version,
        ["name"] = "dpcnet",
        ["type"] = "dataplane-cni",
        ["socket"] = NoDaemonSocket,
        ["prevResult"] = prevResult,
        ["runtimeConfig"] = new JsonObject { ["portMappings"] = portMappings ?? new JsonArray() },
    };

    private static CniRun Exec(string command, string stdin, string? containerId = "c0ffee", string? netns = "/run/netns/x",
        string? ifName = "eth0", string? args = null, string? path = CniConflist.ReferencePluginDir)
        => CniConflist.Run(null, "dataplane-cni", DataplaneCni.Binary, new Dictionary<string, string?>
        {
            ["CNI_COMMAND"] = command, ["CNI_CONTAINERID"] = containerId, ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = ifName, ["CNI_ARGS"] = args, ["CNI_PATH"] = path,
        }, stdin);

    [Theory]
    [InlineData("{\"cniVersion\":\"1.0.0\"}", "1.0.0")]
    [InlineData("{\"cniVersion\":\"0.4.0\"}", "0.4.0")]
    [InlineData("", "1.1.0")]
    public void Version_AnyInput_ListsTheThreeSupportedVersions(string stdin, string echoed)
    {
        var run = Exec("VERSION", stdin, containerId: null, netns: null, ifName: null);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(echoed, (string?)run.Output!["cniVersion"]);
        Assert.Equal(["0.4.0", "1.0.0", "1.1.0"], run.Output!["supportedVersions"]!.AsArray().Select(v => (string)v!));
    }

    public static TheoryData<string, string, int, string> BadConfigs => new()
    {
        { "unsupported version", """{"cniVersion":"0.3.1","name":"n","type":"dataplane-cni"}""", 1, "0.3.1" },
        { "no version", """{"name":"n","type":"dataplane-cni"}""", 7, "cniVersion" },
        { "not JSON", """{"cniVersion":"1.0.0","name":""", 6, "decode" },
        { "masquerade not a bool", """{"cniVersion":"1.0.0","name":"n","masquerade":"yes"}""", 6, "decode" },
        { "no name", """{"cniVersion":"1.0.0","type":"dataplane-cni"}""", 7, "network name" },
        { "bad name", """{"cniVersion":"1.0.0","name":"a/b"}""", 7, "a/b" },
        { "relative socket", """{"cniVersion":"1.0.0","name":"n","socket":"run/x.sock"}""", 7, "run/x.sock" },
        { "sctp", """{"cniVersion":"1.0.0","name":"n","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"protocol":"sctp"}]}}""", 7, "sctp" },
        { "host port 0", """{"cniVersion":"1.0.0","name":"n","runtimeConfig":{"portMappings":[{"hostPort":0,"containerPort":80,"protocol":"tcp"}]}}""", 7, "hostPort" },
        { "container port 70000", """{"cniVersion":"1.0.0","name":"n","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":70000,"protocol":"tcp"}]}}""", 7, "containerPort" },
        { "bad host IP", """{"cniVersion":"1.0.0","name":"n","runtimeConfig":{"portMappings":[{"hostPort":80,"containerPort":80,"protocol":"tcp","hostIP":"nope"}]}}""", 7, "nope" },
        { "no prevResult", """{"cniVersion":"1.0.0","name":"n"}""", 7, "prevResult" },
        { "prevResult without a host interface", """{"cniVersion":"1.0.0","name":"n","prevResult":{"interfaces":[{"name":"eth0","mac":"02:00:00:00:00:03","sandbox":"/x"}],"ips":[{"interface":0,"address":"198.18.64.2/24"}]}}""", 7, "host-side" },
        { "prevResult without the sandbox interface", """{"cniVersion":"1.0.0","name":"n","prevResult":{"interfaces":[{"name":"veth1"}],"ips":[]}}""", 7, "eth0" },
        { "prevResult without an address", """{"cniVersion":"1.0.0","name":"n","prevResult":{"interfaces":[{"name":"veth1"},{"name":"eth0","mac":"02:00:00:00:00:03","sandbox":"/x"}],"ips":[]}}""", 7, "IP address" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Add_BadConfig_FailsWithTheSpecCode(string why, string config, int code, string named)
    {
        var run = Exec("ADD", config);

        Assert.True(run.ExitCode == 1, $"{why}: {run}");
        Assert.Equal(code, run.ErrorCode);
        Assert.Contains(named, run.ErrorMessage, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(run.Output!["cniVersion"]);
    }

    [Theory]
    [InlineData(null, "c0ffee", "/run/netns/x", "eth0", null, "CNI_COMMAND")]
    [InlineData("FROB", "c0ffee", "/run/netns/x", "eth0", null, "FROB")]
    [InlineData("ADD", null, "/run/netns/x", "eth0", null, "CNI_CONTAINERID")]
    [InlineData("ADD", "c0ffee", null, "eth0", null, "CNI_NETNS")]
    [InlineData("CHECK", "c0ffee", "/run/netns/x", null, null, "CNI_IFNAME")]
    [InlineData("DEL", "c0ffee", null, null, null, "CNI_IFNAME")]
    [InlineData("ADD", "-bad", "/run/netns/x", "eth0", null, "-bad")]
    [InlineData("ADD", "c0ffee", "/run/netns/x", "a/b", null, "a/b")]
    [InlineData("ADD", "c0ffee", "/run/netns/x", "eth0", "IgnoreUnknown=1;novalue", "novalue")]
    public void AnyCommand_BadEnvironment_FailsInvalidEnv(string? command, string? containerId, string? netns, string? ifName, string? args, string named)
    {
        var run = Exec(command!, Config(prevResult: BridgeResult()).ToJsonString(), containerId, netns, ifName, args);

        Assert.Equal(4, run.ErrorCode);
        Assert.Contains(named, run.ErrorMessage);
    }

    [Fact]
    public void Add_DaemonNotRunning_FailsTryAgainLaterNamingTheSocket()
    {
        var run = Exec("ADD", Config(prevResult: BridgeResult(), portMappings: [new JsonObject { ["hostPort"] = 8080, ["containerPort"] = 80 }]).ToJsonString());

        Assert.Equal(11, run.ErrorCode);
        Assert.Contains(NoDaemonSocket, run.ErrorMessage);
        Assert.Contains("not running", run.ErrorMessage);
    }

    [Fact]
    public void Del_DaemonNotRunning_SucceedsSilently()
    {
        var withPrev = Exec("DEL", Config(prevResult: BridgeResult()).ToJsonString());
        var withoutNetns = Exec("DEL", Config().ToJsonString(), netns: null);

        Assert.Equal((0, ""), (withPrev.ExitCode, withPrev.Stdout));
        Assert.Equal((0, ""), (withoutNetns.ExitCode, withoutNetns.Stdout));
    }

    [Fact]
    public void StatusGcCheck_DaemonNotRunning_ReportTheSpecCodes()
    {
        var status = Exec("STATUS", Config("1.1.0").ToJsonString(), null, null, null);
        var gc = Exec("GC", Config("1.1.0").ToJsonString(), null, null, null);
        var check = Exec("CHECK", Config(prevResult: BridgeResult()).ToJsonString());

        Assert.Equal(50, status.ErrorCode);
        Assert.Equal(11, gc.ErrorCode);
        Assert.Equal(11, check.ErrorCode);
    }

    [Theory]
    [InlineData("GC")]
    [InlineData("STATUS")]
    public void GcStatus_BeforeVersion110_FailIncompatibleVersion(string command)
    {
        var run = Exec(command, Config("1.0.0").ToJsonString(), null, null, null);

        Assert.Equal(1, run.ErrorCode);
        Assert.Contains("1.1.0", run.ErrorMessage);
    }
}
