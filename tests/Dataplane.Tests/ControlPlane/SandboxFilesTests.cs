using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Sandbox;

namespace Dataplane.Tests.ControlPlane;

public class SandboxFilesTests
{
    private static LinkedContainer C1(string alias = "c1") => new("c1", alias, "3b7b15fa7e20", IPAddress.Parse("172.17.0.4"),
        [new ContainerPort(5432, Proto.Tcp), new ContainerPort(53, Proto.Udp), new ContainerPort(80, Proto.Tcp)],
        ["PATH=/usr/bin", "MYSQL_ROOT_PASSWORD=server", "HOME=/root", "X=a=b"]);

    [Fact]
    public void Hosts_SeedLink_MatchesDockerLayout()
    {
        var text = HostsFile.Build("178d290d873c", IPAddress.Parse("172.17.0.5"), [], [C1()]);
        Assert.Equal(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
            "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n172.17.0.4\tc1 3b7b15fa7e20\n172.17.0.5\t178d290d873c\n", text);
    }

    [Fact]
    public void Hosts_AliasAndAddHost_AliasHostnameNameAndEntriesBeforeSelf()
    {
        var text = HostsFile.Build("test", IPAddress.Parse("172.17.0.5"), [HostEntry.Parse("www.baidu.com:192.168.0.148")], [C1("db")]);
        var lines = text.Split('\n');
        Assert.Equal("192.168.0.148\twww.baidu.com", lines[6]);
        Assert.Equal("172.17.0.4\tdb 3b7b15fa7e20 c1", lines[7]);
        Assert.Equal("172.17.0.5\ttest", lines[8]);
    }

    [Fact]
    public void Hosts_NoneMode_OnlyLocalhost() =>
        Assert.Equal("127.0.0.1\tlocalhost\n", HostsFile.Build("x", null, [], [], ipv6Defaults: false));

    [Theory]
    [InlineData("h:1.2.3.4", "h", "1.2.3.4")]
    [InlineData("h=1.2.3.4", "h", "1.2.3.4")]
    [InlineData("h:::1", "h", "::1")]
    [InlineData("h:[2001:db8::1]", "h", "2001:db8::1")]
    public void AddHost_Valid_Parsed(string value, string name, string ip)
    {
        var e = HostEntry.Parse(value);
        Assert.Equal(name, e.Name);
        Assert.Equal(IPAddress.Parse(ip), e.Address);
    }

    [Theory]
    [InlineData("nohost", "invalid argument \"nohost\" for \"--add-host\" flag: bad format for add-host: \"nohost\"")]
    [InlineData(":1.2.3.4", "invalid argument \":1.2.3.4\" for \"--add-host\" flag: bad format for add-host: \":1.2.3.4\"")]
    [InlineData("h:1.2.3", "invalid argument \"h:1.2.3\" for \"--add-host\" flag: invalid IP address in add-host: \"1.2.3\"")]
    [InlineData("h:bad", "invalid argument \"h:bad\" for \"--add-host\" flag: invalid IP address in add-host: \"bad\"")]
    public void AddHost_Bad_DockerMessage(string value, string message) =>
        Assert.Equal(message, Assert.Throws<DataplaneException>(() => HostEntry.Parse(value)).Message);

    [Fact]
    public void Resolv_NoDns_DropsLocalhostKeepsRest()
    {
        var host = "# comment\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\nsearch example.com\noptions edns0\n";
        Assert.Equal("# comment\nnameserver 10.0.0.2\nsearch example.com\noptions edns0\n", ResolvConf.Build(host, []));
    }

    [Fact]
    public void Resolv_OnlyLocalhost_FallsBackToGoogle() =>
        Assert.Equal("search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n", ResolvConf.Build("nameserver 127.0.0.53\nsearch lan\n", []));

    [Fact]
    public void Resolv_WithDns_ReplacesNameserversKeepsSearch() =>
        Assert.Equal("nameserver 114.114.114.114\nnameserver 1.1.1.1\nsearch lan\n",
            ResolvConf.Build("nameserver 10.0.0.2\nsearch lan\n", [IPAddress.Parse("114.114.114.114"), IPAddress.Parse("1.1.1.1")]));

    [Fact]
    public void LinkEnv_Ports_MatchesDocker()
    {
        var env = LinkEnvironment.Build("web", C1("my-db"));
        Assert.Equal(
        [
            "MY_DB_PORT=udp://172.17.0.4:53",
            "MY_DB_PORT_53_UDP=udp://172.17.0.4:53", "MY_DB_PORT_53_UDP_ADDR=172.17.0.4", "MY_DB_PORT_53_UDP_PORT=53", "MY_DB_PORT_53_UDP_PROTO=udp",
            "MY_DB_PORT_80_TCP=tcp://172.17.0.4:80", "MY_DB_PORT_80_TCP_ADDR=172.17.0.4", "MY_DB_PORT_80_TCP_PORT=80", "MY_DB_PORT_80_TCP_PROTO=tcp",
            "MY_DB_PORT_5432_TCP=tcp://172.17.0.4:5432", "MY_DB_PORT_5432_TCP_ADDR=172.17.0.4", "MY_DB_PORT_5432_TCP_PORT=5432", "MY_DB_PORT_5432_TCP_PROTO=tcp",
            "MY_DB_NAME=/web/my-db",
            "MY_DB_ENV_MYSQL_ROOT_PASSWORD=server", "MY_DB_ENV_X=a=b",
        ], env);
    }

    [Fact]
    public void LinkEnv_ContiguousRange_StartEndVariables()
    {
        var env = LinkEnvironment.Build("web", C1("db") with { ExposedPorts = ExposedPorts.Parse("8000-8002"), Env = [] });
        Assert.Equal(
        [
            "DB_PORT=tcp://172.17.0.4:8000",
            "DB_PORT_8000_TCP_START=tcp://172.17.0.4:8000", "DB_PORT_8000_TCP_ADDR=172.17.0.4", "DB_PORT_8000_TCP_PROTO=tcp",
            "DB_PORT_8000_TCP_PORT_START=8000", "DB_PORT_8000_TCP_END=tcp://172.17.0.4:8002", "DB_PORT_8000_TCP_PORT_END=8002",
        ], env.Take(7));
        Assert.Equal(7 + 3 * 4 + 1, env.Count);
        Assert.Contains("DB_PORT_8001_TCP=tcp://172.17.0.4:8001", env);
    }

    [Fact]
    public void LinkEnv_TwoContiguousPorts_NoRangeVariables() =>
        Assert.DoesNotContain(LinkEnvironment.Build("web", C1("db") with { ExposedPorts = ExposedPorts.Parse("8000-8001"), Env = [] }),
            v => v.Contains("_START", StringComparison.Ordinal));

    [Fact]
    public void LinkEnv_NoPorts_NoDefaultPort()
    {
        var env = LinkEnvironment.Build("web", C1() with { ExposedPorts = [], Env = [] });
        Assert.Equal(["C1_NAME=/web/c1"], env);
    }

    [Theory]
    [InlineData("A=1", "A=1")]
    [InlineData("A=", "A=")]
    [InlineData("FROMCALLER", "FROMCALLER=v")]
    [InlineData("UNSET", null)]
    public void Env_Parse_LikeDockerCli(string value, string? expected) =>
        Assert.Equal(expected, EnvironmentVariables.Parse(value, k => k == "FROMCALLER" ? "v" : null));

    [Theory]
    [InlineData("=x")]
    [InlineData("A B=1")]
    public void Env_Bad_Throws(string value) =>
        Assert.Contains("invalid environment variable", Assert.Throws<DataplaneException>(() => EnvironmentVariables.Parse(value, _ => null)).Message);

    [Theory]
    [InlineData("test", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("-bad", false)]
    [InlineData("a_b", false)]
    [InlineData("", false)]
    public void Hostname_Validate(string name, bool ok)
    {
        if (ok) HostnameFile.Validate(name);
        else Assert.Throws<DataplaneException>(() => HostnameFile.Validate(name));
    }
}
