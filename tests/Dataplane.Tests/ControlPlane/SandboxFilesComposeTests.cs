using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Tests.ControlPlane;

public class SandboxFilesComposeTests
{
    [Fact]
    public void Build_BridgeWithLinkDnsAddHost_AllFilesAndEnv()
    {
        var db = Fixtures.Container("db", ip: "172.17.0.4");
        var plan = RunValidator.Validate(new RunRequest(["sh"], Name: "web", Hostname: "web1", Dns: ["114.114.114.114"],
            AddHosts: ["www.baidu.com:192.168.0.148"], Links: ["db:database"], Env: ["K=V"]), Fixtures.State(db));
        var files = SandboxFiles.Build(plan, "web", "web1", IPAddress.Parse("172.17.0.5"), "ignored", "nameserver 10.0.0.2\nsearch lan\n");
        Assert.EndsWith("192.168.0.148\twww.baidu.com\n172.17.0.4\tdatabase h-db db\n172.17.0.5\tweb1\n", files.Hosts);
        Assert.Equal("nameserver 114.114.114.114\nsearch lan\n", files.ResolvConf);
        Assert.Equal("web1\n", files.Hostname);
        Assert.Contains("DATABASE_PORT=tcp://172.17.0.4:5432", files.Env);
        Assert.Contains("DATABASE_NAME=/web/database", files.Env);
        Assert.Contains("DATABASE_ENV_A=1", files.Env);
        Assert.Equal("K=V", files.Env[^1]);
    }

    [Fact]
    public void Build_HostAndNoneModes_HostFileOrLoopbackOnly()
    {
        var host = SandboxFiles.Build(RunValidator.Validate(new RunRequest(["sh"], Network: "host"), Fixtures.State()), "a", "h", null, "HOSTS\n", "nameserver 10.0.0.2\n");
        Assert.Equal("HOSTS\n", host.Hosts);
        var none = SandboxFiles.Build(RunValidator.Validate(new RunRequest(["sh"], Network: "none"), Fixtures.State()), "a", "h", null, "HOSTS\n", "nameserver 10.0.0.2\n");
        Assert.Equal("127.0.0.1\tlocalhost\n", none.Hosts);
    }

    [Fact]
    public void DaemonOptions_PublishAllRange_ParsedOrRefused()
    {
        Assert.Equal(new Dataplane.ControlPlane.Ports.PortRange(49000, 49900), new DaemonOptions().ParsePublishAllRange());
        Assert.Throws<DataplaneException>(() => new DaemonOptions(PublishAllRange: "5").ParsePublishAllRange());
    }
}
