using System.Net;
using System.Net.NetworkInformation;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Frontends.Docker;
using Dataplane.ControlPlane.Ports;
using Docker.DotNet.Models;
using DockerPortBinding = Docker.DotNet.Models.PortBinding;
using NetworkSpec = Dataplane.ControlPlane.Engine.NetworkSpec;

namespace Dataplane.Tests.ControlPlane;

/// <summary>Docker API objects (as dockerd 20.10 reports them) to engine networks, endpoints and port bindings.</summary>
public sealed class DockerTranslationTests
{
    private const string BridgeId = "d54dde33e1bf7434d6e60c46f8c8f452657253ac1fa49a424ed1fde0779b53ad";
    private const string UserNetId = "3b1fd2140acb5e2f5a1c0b3b7d7f6e2b7f1c9f1f9d1e3c1a0b2c3d4e5f6a7b8c";
    private const string ContainerId = "8adf77798a2f02b85cc094fdb8d8c8338c0953b4013283c847da0a7d74383a37";

    private static NetworkResponse DefaultBridge() => new()
    {
        ID = BridgeId, Name = "bridge", Driver = "bridge",
        IPAM = new IPAM { Config = [new IPAMConfig { Subnet = "198.19.0.0/24", Gateway = "198.19.0.1" }] },
        Options = new Dictionary<string, string>
        {
            ["com.docker.network.bridge.default_bridge"] = "true",
            ["com.docker.network.bridge.enable_icc"] = "true",
            ["com.docker.network.bridge.enable_ip_masquerade"] = "false", // what dockerd reports with iptables off
            ["com.docker.network.bridge.host_binding_ipv4"] = "0.0.0.0",
            ["com.docker.network.bridge.name"] = "docker0",
        },
    };

    private static NetworkResponse UserNetwork(Dictionary<string, string>? options = null, bool isInternal = false) => new()
    {
        ID = UserNetId, Name = "backend", Driver = "bridge", Internal = isInternal,
        IPAM = new IPAM { Config = [new IPAMConfig { Subnet = "198.19.200.0/24" }] }, // no gateway: Docker's IPAM takes the first address
        Options = options ?? [],
    };

    [Fact]
    public void Translate_DefaultBridge_Docker0WithMasqueradeOnDespiteIptablesOff()
    {
        var n = DockerNetworks.Translate(DefaultBridge(), out var skipped)!;
        Assert.Null(skipped);
        Assert.Equal(new NetworkSpec(BridgeId, "bridge", "docker0", IPAddress.Parse("198.19.0.0"), 24, IPAddress.Parse("198.19.0.1"), Internal: false, Icc: true, Masquerade: true), n.Spec);
        Assert.Null(n.HostBindingIpv4);
    }

    [Fact]
    public void Translate_UserNetworkWithoutBridgeName_BrIdPrefixAndFirstHostGateway()
    {
        var n = DockerNetworks.Translate(UserNetwork(), out _)!;
        Assert.Equal("br-3b1fd2140acb", n.Spec.Bridge);
        Assert.Equal(IPAddress.Parse("198.19.200.1"), n.Spec.Gateway);
        Assert.True(n.Spec.Icc);
        Assert.True(n.Spec.Masquerade);
        Assert.False(n.Spec.Internal);
    }

    [Fact]
    public void Translate_UserNetworkOptions_IccMasqueradeInternalAndHostBinding()
    {
        var n = DockerNetworks.Translate(UserNetwork(new()
        {
            ["com.docker.network.bridge.enable_icc"] = "false",
            ["com.docker.network.bridge.enable_ip_masquerade"] = "false",
            ["com.docker.network.bridge.host_binding_ipv4"] = "198.18.0.1",
            ["com.docker.network.bridge.name"] = "br-backend",
        }, isInternal: true), out _)!;
        Assert.False(n.Spec.Icc);
        Assert.False(n.Spec.Masquerade);
        Assert.True(n.Spec.Internal);
        Assert.Equal("br-backend", n.Spec.Bridge);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), n.HostBindingIpv4);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("null")]
    [InlineData("macvlan")]
    public void Translate_OtherDrivers_SkippedWithReason(string driver)
    {
        Assert.Null(DockerNetworks.Translate(new NetworkResponse { ID = UserNetId, Name = driver, Driver = driver }, out var reason));
        Assert.Contains($"driver {driver}", reason);
    }

    [Fact]
    public void Translate_BadBooleanOption_ClearError()
    {
        var e = Assert.Throws<DataplaneException>(() => DockerNetworks.Translate(UserNetwork(new() { ["com.docker.network.bridge.enable_icc"] = "maybe" }), out _));
        Assert.Contains("enable_icc=maybe", e.Message);
    }

    [Fact]
    public void Ports_TcpUdpHostIpAndIpv6Twin_ConcreteBindings()
    {
        var warnings = new List<string>();
        var ports = DockerPorts.Translate(new Dictionary<string, IList<DockerPortBinding>>
        {
            ["80/tcp"] = [new() { HostIP = "0.0.0.0", HostPort = "8080" }, new() { HostIP = "::", HostPort = "8080" }],
            ["5201/udp"] = [new() { HostIP = "127.0.0.1", HostPort = "15201" }],
            ["443/tcp"] = null!, // exposed, not published
        }, null, warnings);
        Assert.Equal(
        [
            new Dataplane.ControlPlane.Ports.PortBinding(null, PortRange.Single(8080), new ContainerPort(80, Proto.Tcp)),
            new Dataplane.ControlPlane.Ports.PortBinding(IPAddress.Loopback, PortRange.Single(15201), new ContainerPort(5201, Proto.Udp)),
        ], ports);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Ports_SctpAndIpv6Only_LeftOutWithWarnings()
    {
        var warnings = new List<string>();
        var ports = DockerPorts.Translate(new Dictionary<string, IList<DockerPortBinding>>
        {
            ["9/sctp"] = [new() { HostIP = "0.0.0.0", HostPort = "9000" }],
            ["81/tcp"] = [new() { HostIP = "2001:db8::1", HostPort = "8181" }],
        }, null, warnings);
        Assert.Empty(ports);
        Assert.Contains(warnings, w => w.Contains("sctp"));
        Assert.Contains(warnings, w => w.Contains("2001:db8::1"));
    }

    [Fact]
    public void Ports_Ipv6HostAddress_PublishedForAContainerWithIpv6()
    {
        var warnings = new List<string>();
        var ports = DockerPorts.Translate(new Dictionary<string, IList<DockerPortBinding>>
        {
            ["81/tcp"] = [new() { HostIP = "2001:db8::1", HostPort = "8181" }],
            ["82/udp"] = [new() { HostIP = "::", HostPort = "8282" }], // [::] alone: IPv6 only
        }, null, warnings, containerHasIpv6: true);
        Assert.Equal(
        [
            new Dataplane.ControlPlane.Ports.PortBinding(IPAddress.Parse("2001:db8::1"), PortRange.Single(8181), new ContainerPort(81, Proto.Tcp)),
            new Dataplane.ControlPlane.Ports.PortBinding(IPAddress.IPv6Any, PortRange.Single(8282), new ContainerPort(82, Proto.Udp)),
        ], ports);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Translate_DualStackNetwork_Ipv6SideAdopted_OnlyWhenDockerEnabledIt()
    {
        var network = UserNetwork();
        network.IPAM!.Config!.Add(new IPAMConfig { Subnet = "fd00:70::/64", Gateway = "fd00:70::1" });
        Assert.Null(DockerNetworks.Translate(network, out _)!.Spec.V6); // EnableIPv6 false: an IPv4 network
        network.EnableIPv6 = true;
        Assert.Equal(new NetworkSpecV6(IPAddress.Parse("fd00:70::"), 64, IPAddress.Parse("fd00:70::1")), DockerNetworks.Translate(network, out _)!.Spec.V6);
    }

    [Fact]
    public void Ports_EmptyHostIp_TakesTheNetworksHostBinding()
    {
        var ports = DockerPorts.Translate(new Dictionary<string, IList<DockerPortBinding>> { ["80/tcp"] = [new() { HostIP = "", HostPort = "8080" }] },
            IPAddress.Parse("198.18.0.1"), []);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), Assert.Single(ports).HostIp);
    }

    [Fact]
    public void Ports_MalformedHostPort_ClearError()
    {
        var e = Assert.Throws<DataplaneException>(() => DockerPorts.Translate(
            new Dictionary<string, IList<DockerPortBinding>> { ["80/tcp"] = [new() { HostIP = "0.0.0.0", HostPort = "http" }] }, null, []));
        Assert.Contains("'http'", e.Message);
    }

    private static ContainerInspectResponse Container(bool running = true, string networkMode = "default") => new()
    {
        ID = ContainerId, Name = "/web",
        State = new State { Running = running, Pid = running ? 4242 : 0 },
        HostConfig = new HostConfig { NetworkMode = networkMode },
        NetworkSettings = new NetworkSettings
        {
            SandboxKey = "/var/run/docker/netns/e3f1995395b9",
            Ports = new Dictionary<string, IList<DockerPortBinding>> { ["80/tcp"] = [new() { HostIP = "0.0.0.0", HostPort = "8080" }] },
            Networks = new Dictionary<string, EndpointSettings>
            {
                ["bridge"] = new() { NetworkID = BridgeId, IPAddress = "198.19.0.2", IPPrefixLen = 24, MacAddress = "02:42:c6:13:00:02", Gateway = "198.19.0.1" },
                ["backend"] = new() { NetworkID = UserNetId, IPAddress = "198.19.200.2", IPPrefixLen = 24, MacAddress = "02:42:c6:13:c8:02" },
            },
        },
    };

    private static IReadOnlyDictionary<string, DockerNetwork> Followed() => new Dictionary<string, DockerNetwork>
    {
        [BridgeId] = DockerNetworks.Translate(DefaultBridge(), out _)!,
        [UserNetId] = DockerNetworks.Translate(UserNetwork(), out _)!,
    };

    [Fact]
    public void Container_TwoNetworks_OneEndpointEachAndPortsOnTheStartNetwork()
    {
        var c = DockerContainers.Translate(Container(), Followed(), [])!;
        Assert.Equal("web", c.Name);
        Assert.Equal(4242, c.Pid);
        Assert.Equal(2, c.Endpoints.Count);
        var onBridge = Assert.Single(c.Endpoints, e => e.NetworkId == BridgeId);
        Assert.Equal(new Owner(OwnerKind.Docker, $"{ContainerId}/{BridgeId}"), onBridge.Owner);
        Assert.Equal(PhysicalAddress.Parse("02-42-C6-13-00-02"), onBridge.Mac);
        Assert.Equal(IPAddress.Parse("198.19.0.2"), onBridge.IPv4);
        Assert.Equal(onBridge.Owner, c.PortsOwner);
        Assert.Equal(8080, Assert.Single(c.Ports).HostPorts!.Value.Start);
        Assert.Equal(ContainerId, DockerContainers.ContainerIdOf(onBridge.Owner));
    }

    [Fact]
    public void Container_StartedOnUserNetwork_PortsOnThatEndpoint()
    {
        var c = DockerContainers.Translate(Container(networkMode: "backend"), Followed(), [])!;
        Assert.Equal(DockerContainers.OwnerOf(ContainerId, UserNetId), c.PortsOwner);
    }

    [Fact]
    public void Container_NotRunningOrOnNoFollowedNetwork_Null()
    {
        Assert.Null(DockerContainers.Translate(Container(running: false), Followed(), []));
        Assert.Null(DockerContainers.Translate(Container(), new Dictionary<string, DockerNetwork>(), []));
    }

    [Fact]
    public void Safety_Docker0MasqueradeOn_RefusesNamingDaemonJson()
    {
        var withIptables = DefaultBridge();
        withIptables.Options!["com.docker.network.bridge.enable_ip_masquerade"] = "true";
        var refusal = DockerSafety.Check([withIptables], []);
        Assert.Contains("\"iptables\": false", refusal);
        Assert.Contains("daemon.json", refusal);
        Assert.Null(DockerSafety.Check([DefaultBridge(), UserNetwork()], []));
    }

    [Fact]
    public void Safety_DockerProxyRunning_RefusesNamingUserlandProxy()
    {
        var refusal = DockerSafety.Check([DefaultBridge()], [1234]);
        Assert.Contains("docker-proxy", refusal);
        Assert.Contains("1234", refusal);
        Assert.Contains("\"userland-proxy\": false", refusal);
    }

    [Theory]
    [InlineData(null, "/var/run/docker.sock")]
    [InlineData("", "/var/run/docker.sock")]
    [InlineData("unix:///tmp/x/docker.sock", "/tmp/x/docker.sock")]
    [InlineData("/tmp/y.sock", "/tmp/y.sock")]
    public void Endpoint_Forms_UnixSocketPath(string? text, string path) => Assert.Equal(path, DockerApi.ParseEndpoint(text).AbsolutePath);

    [Theory]
    [InlineData("tcp://127.0.0.1:2375")]
    [InlineData("unix://")]
    public void Endpoint_NotAUnixSocket_ClearError(string text)
        => Assert.Contains("unix:///path/to/docker.sock", Assert.Throws<DockerModeException>(() => DockerApi.ParseEndpoint(text)).Message);
}
