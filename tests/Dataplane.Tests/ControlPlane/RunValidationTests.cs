using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Tests.ControlPlane;

public class RunValidationTests
{
    private static readonly string[] Cmd = ["sleep", "100"];

    private static string Error(RunRequest r, IStateView? state = null) =>
        Assert.Throws<DataplaneException>(() => RunValidator.Validate(r, state ?? Fixtures.State(Fixtures.Container("db")))).Message;

    [Theory]
    [InlineData("hostname", "conflicting options: hostname and the network mode")]
    [InlineData("link", "conflicting options: container type network can't be used with links. This would result in undefined behavior")]
    [InlineData("dns", "conflicting options: dns and the network mode")]
    [InlineData("addhost", "conflicting options: custom host-to-IP mapping and the network mode")]
    [InlineData("publish", "conflicting options: port publishing and the container type network mode")]
    [InlineData("publishall", "conflicting options: port publishing and the container type network mode")]
    [InlineData("expose", "conflicting options: port exposing and the container type network mode")]
    public void Validate_ContainerModeWithOption_DockerConflict(string option, string message)
    {
        var r = new RunRequest(Cmd, Network: "container:db");
        r = option switch
        {
            "hostname" => r with { Hostname = "x" },
            "link" => r with { Links = ["db"] },
            "dns" => r with { Dns = ["1.1.1.1"] },
            "addhost" => r with { AddHosts = ["a:1.2.3.4"] },
            "publish" => r with { Publish = ["80"] },
            "publishall" => r with { PublishAll = true },
            _ => r with { Expose = ["80"] },
        };
        Assert.Equal(message, Error(r));
    }

    [Fact]
    public void Validate_HostModeWithPorts_WarnsAndDropsBindings()
    {
        var plan = RunValidator.Validate(new RunRequest(Cmd, Network: "host", Publish: ["8080:80"]), Fixtures.State());
        Assert.Equal([RunSyntax.HostModePortsWarning], plan.Warnings);
        Assert.Empty(plan.Run.Bindings);
        Assert.Null(plan.Network);
    }

    [Fact]
    public void Validate_HostModeWithLink_Conflict() =>
        Assert.StartsWith("conflicting options: host type networking can't be used with links", Error(new RunRequest(Cmd, Network: "host", Links: ["db"])));

    [Fact]
    public void Validate_UnknownNetwork_NotFound() =>
        Assert.Equal("network nope not found", Error(new RunRequest(Cmd, Network: "nope")));

    [Fact]
    public void Validate_DuplicateName_DockerConflict()
    {
        var db = Fixtures.Container("db");
        Assert.StartsWith($"Conflict. The container name \"/db\" is already in use by container \"{db.Id}\"", Error(new RunRequest(Cmd, Name: "db"), Fixtures.State(db)));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("-ab")]
    [InlineData("a b")]
    public void Validate_BadName_DockerMessage(string name) =>
        Assert.Equal($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", Error(new RunRequest(Cmd, Name: name)));

    [Fact]
    public void Validate_UnknownLinkAndContainerMode_NotFound()
    {
        Assert.Equal("could not get container for ghost: No such container: ghost", Error(new RunRequest(Cmd, Links: ["ghost:g"])));
        Assert.Equal("No such container: ghost", Error(new RunRequest(Cmd, Network: "container:ghost")));
    }

    [Fact]
    public void Validate_StoppedTargets_Refused()
    {
        var state = Fixtures.State(Fixtures.Container("db", state: ContainerState.Exited));
        Assert.Equal("cannot join network of a non running container: db", Error(new RunRequest(Cmd, Network: "container:db"), state));
        Assert.Equal("Cannot link to a non running container: /db AS /web/x", Error(new RunRequest(Cmd, Name: "web", Links: ["db:x"]), state));
    }

    [Fact]
    public void Validate_LinkAcrossNetworks_Refused() =>
        Assert.Equal("Cannot link to /db, as it does not belong to network lab", Error(new RunRequest(Cmd, Network: "lab", Links: ["db"])));

    [Theory]
    [InlineData("10.78.0.5", "no configured subnet or ip-range contain the IP address 10.78.0.5")]
    [InlineData("10.77.0.255", "no configured subnet or ip-range contain the IP address 10.77.0.255")]
    [InlineData("10.77.0.1", "no configured subnet or ip-range contain the IP address 10.77.0.1")]
    [InlineData("10.77.0.9", "Address already in use: 10.77.0.9")]
    [InlineData("10.77", "invalid argument \"10.77\" for \"--ip\" flag: invalid string being converted to IP address: 10.77")]
    public void Validate_ExplicitIp_Checked(string ip, string message) =>
        Assert.Equal(message, Error(new RunRequest(Cmd, Network: "lab", Ip: ip), Fixtures.State(Fixtures.Container("x", "lab", "10.77.0.9"))));

    [Fact]
    public void Validate_IpOnDefaultBridge_Refused() =>
        Assert.Equal("user specified IP address is supported on user defined networks only", Error(new RunRequest(Cmd, Ip: "172.17.0.9")));

    [Fact]
    public void Validate_FullBridgeRun_ProducesPlan()
    {
        var db = Fixtures.Container("db");
        var plan = RunValidator.Validate(new RunRequest(Cmd, Name: "web", Publish: ["127.0.0.1:8080:80", "53/udp"], PublishAll: true,
            Expose: ["443"], Hostname: "web1", Dns: ["1.1.1.1"], AddHosts: ["a:1.2.3.4"], Links: ["db:database"], Env: ["K=V"]), Fixtures.State(db));
        Assert.Equal("bridge", plan.Network!.Name);
        Assert.Equal([db], plan.Linked);
        Assert.Equal(["53/udp", "80/tcp", "443/tcp"], plan.Run.Exposed.Select(p => p.ToString()));
        Assert.Equal(3, plan.Run.Bindings.Count);
        Assert.Null(plan.Run.Bindings.Single(b => b.Container == new ContainerPort(443, Proto.Tcp)).HostPorts);
        Assert.Equal(IPAddress.Parse("1.1.1.1"), Assert.Single(plan.Run.Dns));
        Assert.Equal(new LinkRecord("db", "database"), Assert.Single(plan.Run.Links));
        Assert.Empty(plan.Warnings);
    }

    [Theory]
    [InlineData("8080:0", "invalid containerPort: 0")]
    [InlineData("65536:80", "Invalid hostPort: 65536")]
    public void Validate_BadPublish_ParserMessage(string spec, string message) =>
        Assert.Equal(message, Error(new RunRequest(Cmd, Publish: [spec])));

    [Fact]
    public void Validate_Misc_SyntaxErrors()
    {
        Assert.Equal("No command specified", Error(new RunRequest([])));
        Assert.Equal("invalid argument \"x\" for \"--dns\" flag: IP address is not correctly formatted: x", Error(new RunRequest(Cmd, Dns: ["x"])));
        Assert.Equal("invalid argument \"a:b:c\" for \"--link\" flag: invalid format: a:b:c", Error(new RunRequest(Cmd, Links: ["a:b:c"])));
    }

    [Fact]
    public void Validate_ByIdPrefix_FindsContainer()
    {
        var db = Fixtures.Container("db", id: "abcdef" + new string('0', 58));
        var plan = RunValidator.Validate(new RunRequest(Cmd, Network: "container:abcde"), Fixtures.State(db));
        Assert.Same(db, plan.SharedNamespaceOf);
    }
}
