using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Daemon;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.ControlPlane;

public sealed class DaemonConfigurationTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"dpt-config-{Guid.NewGuid():n}.json");

    public void Dispose() => File.Delete(_file);

    private static IReadOnlyDictionary<string, string?> NoFlags => new Dictionary<string, string?>();

    [Theory]
    [InlineData("true", "fd00:17::/64", "fd00:17::/64", null)]
    [InlineData(null, null, null, null)]
    [InlineData("true", null, null, "ipv6 needs fixed-cidr-v6")]
    [InlineData(null, "fd00:17::/64", null, "fixed-cidr-v6 needs ipv6")]
    [InlineData("true", "fd00:17::5/64", null, "invalid subnet fd00:17::5/64")]
    public void DefaultBridgeIpv6_BothKeysOrNeither(string? ipv6, string? cidr, string? expected, string? error)
    {
        File.WriteAllText(_file, "{}");
        var flags = new Dictionary<string, string?>();
        if (ipv6 is not null) flags["ipv6"] = ipv6;
        if (cidr is not null) flags["fixed-cidr-v6"] = cidr;
        DaemonOptions Options() => DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, flags), "/s");
        if (error is null)
            Assert.Equal(expected, Options().DefaultBridgeSubnetV6);
        else
            Assert.Contains(error, Assert.Throws<DataplaneException>(Options).Message);
    }

    [Fact]
    public void Nothing_Configured_DockerLikeDefaults()
    {
        File.WriteAllText(_file, "{}");
        var o = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, NoFlags), "/run/x.sock");
        Assert.Equal(new DaemonOptions("/run/x.sock"), o);
        Assert.Equal(("dp0", "172.17.0.0/16", "49000-49900"), (o.DefaultBridgeName, o.DefaultBridgeSubnet, o.PublishAllRange));
        Assert.Null(o.Uplinks);
    }

    /// <summary>Old configurations still start: the key is accepted, ignored, and said to be.</summary>
    [Fact]
    public void SnatEntries_Obsolete_AcceptedWithAWarning()
    {
        File.WriteAllText(_file, """{ "snat-entries": "131072" }""");
        var o = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, NoFlags), "/s");
        Assert.Equal([DaemonConfiguration.SnatEntriesObsolete], o.ConfigurationWarnings);
        File.WriteAllText(_file, "{}");
        Assert.Empty(DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, NoFlags), "/s").ConfigurationWarnings);
    }

    [Fact]
    public void Layers_FileThenEnvironmentThenFlags_LaterWins()
    {
        File.WriteAllText(_file, """{ "state-dir": "/from/file", "bridge": "br-file", "uplink": ["eth7", "eth8"], "conntrack-entries": "1024", "conntrack6-entries": "2048", "xdp": true }""");
        var env = new Dictionary<string, string> { ["DATAPLANE_BRIDGE"] = "br-env", ["DATAPLANE_MASQUERADE_PORT_RANGE"] = "62000-63000" };
        var flags = new Dictionary<string, string?> { ["bridge"] = "br-flag" };
        var o = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, v => env.GetValueOrDefault(v), flags), "/s");
        Assert.Equal("/from/file", o.StateDirectory);
        Assert.Equal("br-flag", o.DefaultBridgeName);
        Assert.Equal(["eth7", "eth8"], o.Uplinks);
        Assert.Equal(1024u, o.DataPath.ConntrackEntries);
        Assert.Equal(2048u, o.DataPath.Conntrack6Entries);
        Assert.True(o.Xdp);
        Assert.Equal((62000, 63000), (o.DataPath.SnatPortMin, o.DataPath.SnatPortMax));
    }

    [Fact]
    public void HoldHostPorts_OnByDefault_OffFromTheEnvironment()
    {
        File.WriteAllText(_file, "{}");
        Assert.True(DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, NoFlags), "/s").HoldHostPorts);
        var off = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, v => v == "DATAPLANE_HOLD_HOST_PORTS" ? "false" : null, NoFlags), "/s");
        Assert.False(off.HoldHostPorts);
    }

    [Fact]
    public void PublishedPorts_DefaultFillsTheCompiledMaps_FlagRaisesIt()
    {
        File.WriteAllText(_file, "{}");
        Assert.Equal(16383u, DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, NoFlags), "/s").DataPath.PublishedPorts);
        var o = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, new Dictionary<string, string?> { ["published-ports"] = "131072" }), "/s");
        Assert.Equal(131072u, o.DataPath.PublishedPorts);
    }

    [Fact]
    public void Environment_CommaSeparatedUplinks()
    {
        File.WriteAllText(_file, "{}");
        var o = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, v => v == "DATAPLANE_UPLINK" ? "eth1, eth2" : null, NoFlags), "/s");
        Assert.Equal(["eth1", "eth2"], o.Uplinks);
    }

    [Fact]
    public void ConntrackTimeouts_NamedOverTheDefaults()
    {
        File.WriteAllText(_file, """{ "conntrack-timeouts": "tcp-established=3600, udp=60" }""");
        var o = DaemonConfiguration.ToOptions(DaemonConfiguration.Build(_file, _ => null, NoFlags), "/s");
        Assert.Equal(new ConntrackTimeouts { TcpEstablished = 3600, Udp = 60 }, o.DataPath.ConntrackTimeouts);
        Assert.Equal([0u, 120, 60, 3600, 120, 60, 30, 120, 10, 60, 120, 30], o.DataPath.ConntrackTimeouts.ByClass());
    }

    [Theory]
    [InlineData("tcp-forever=10", "invalid conntrack timeout 'tcp-forever=10': expected NAME=SECONDS")]
    [InlineData("udp", "invalid conntrack timeout 'udp': expected NAME=SECONDS")]
    [InlineData("udp=0", "invalid conntrack timeout 'udp=0': seconds must be a positive whole number")]
    [InlineData("udp=-5", "invalid conntrack timeout 'udp=-5': seconds must be a positive whole number")]
    public void ConntrackTimeouts_Malformed_ErrorNamesThePair(string text, string message)
    {
        var e = Assert.Throws<DataplaneException>(() => ConntrackTimeouts.Parse(text));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("conntrack-entries", "lots", "invalid conntrack-entries: lots")]
    [InlineData("conntrack6-entries", "-1", "invalid conntrack6-entries: -1")]
    [InlineData("masquerade-port-range", "70000-80000", "invalid masquerade-port-range: 70000-80000")]
    [InlineData("publish-all-range", "9-1", "invalid port range for -P: 9-1")]
    [InlineData("xdp", "maybe", "invalid xdp: maybe")]
    [InlineData("hold-host-ports", "sometimes", "invalid hold-host-ports: sometimes")]
    [InlineData("published-ports", "0", "invalid published-ports: 0")]
    [InlineData("published-ports", "2000000", "invalid published-ports: 2000000")]
    public void MalformedValue_ErrorNamesTheKey(string key, string value, string message)
    {
        File.WriteAllText(_file, "{}");
        var e = Assert.Throws<DataplaneException>(() => DaemonConfiguration.ToOptions(
            DaemonConfiguration.Build(_file, _ => null, new Dictionary<string, string?> { [key] = value }), "/s"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void MissingExplicitFile_IsAnError()
        => Assert.Throws<FileNotFoundException>(() => DaemonConfiguration.Build(_file + ".absent", _ => null, NoFlags));
}
