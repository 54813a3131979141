using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ports;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Dataplane.Tests.ControlPlane;

public class PortSpecParserTests
{
    private static string Show(PortBinding b) =>
        $"{b.HostIp?.ToString() ?? "*"}|{b.HostPorts?.ToString() ?? "-"}|{b.Container}";

    [Theory]
    [InlineData("80", "*|-|80/tcp")]
    [InlineData("8080:80", "*|8080|80/tcp")]
    [InlineData("127.0.0.1:8080:80", "127.0.0.1|8080|80/tcp")]
    [InlineData("127.0.0.1::5000", "127.0.0.1|-|5000/tcp")]
    [InlineData("127.0.0.1:5000:5000/udp", "127.0.0.1|5000|5000/udp")]
    [InlineData("80/UDP", "*|-|80/udp")]
    [InlineData("80/", "*|-|80/tcp")]
    [InlineData("[::1]:8080:80", "::1|8080|80/tcp")]
    [InlineData("[::]::80/udp", "::|-|80/udp")]
    [InlineData("8000-8010:80", "*|8000-8010|80/tcp")]
    [InlineData("1:65535", "*|1|65535/tcp")]
    public void Parse_SingleBindingForms_MatchDocker(string spec, string expected) =>
        Assert.Equal(expected, Show(Assert.Single(PortSpecParser.Parse(spec))));

    [Fact]
    public void Parse_EqualRanges_PairsPortsOneByOne()
    {
        var b = PortSpecParser.Parse("8000-8002:80-82/udp");
        Assert.Equal(["*|8000|80/udp", "*|8001|81/udp", "*|8002|82/udp"], b.Select(Show));
    }

    [Fact]
    public void Parse_ContainerRangeWithoutHostPort_GivesDynamicBindings() =>
        Assert.Equal(["*|-|80/tcp", "*|-|81/tcp"], PortSpecParser.Parse("80-81").Select(Show));

    [Theory]
    [InlineData("0", "invalid containerPort: 0")]
    [InlineData("65536", "invalid containerPort: 65536")]
    [InlineData("8080:0", "invalid containerPort: 0")]
    [InlineData("65536:80", "Invalid hostPort: 65536")]
    [InlineData("0:80", "Invalid hostPort: 0")]
    [InlineData("abc:80", "Invalid hostPort: abc")]
    [InlineData("90-80", "invalid containerPort: 90-80")]
    [InlineData("", "No port specified: <empty>")]
    [InlineData("8080:", "No port specified: 8080:<empty>")]
    [InlineData("8000-8010:80-90", null)]
    [InlineData("8000-8001:80-82", "Invalid ranges specified for container and host Ports: 80-82 and 8000-8001")]
    [InlineData("80/sctp", "invalid proto: sctp is not supported (only tcp and udp)")]
    [InlineData("80/icmp", "Invalid proto: icmp")]
    [InlineData("1.2.3:80:80", "Invalid ip address: 1.2.3")]
    [InlineData("300.1.1.1:80:80", "Invalid ip address: 300.1.1.1")]
    [InlineData("::1:8080:80", "Invalid ip address ::1: address ::1:: too many colons in address")]
    public void Parse_BadSpec_ThrowsDockerMessage(string spec, string? message)
    {
        if (message is null)
        {
            Assert.Equal(11, PortSpecParser.Parse(spec).Count);
            return;
        }
        var e = Assert.Throws<DataplaneException>(() => PortSpecParser.Parse(spec));
        Assert.Equal(message, e.Message);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Property]
    public bool Parse_AnyValidHostAndContainerPort_RoundTrips(ushort h, ushort c, bool udp)
    {
        int host = h % 65535 + 1, container = c % 65535 + 1;
        var proto = udp ? "udp" : "tcp";
        var b = Assert.Single(PortSpecParser.Parse($"10.1.2.3:{host}:{container}/{proto}"));
        return b.HostIp!.Equals(IPAddress.Parse("10.1.2.3")) && b.HostPorts == PortRange.Single(host)
            && b.Container == new ContainerPort(container, udp ? Proto.Udp : Proto.Tcp);
    }

    [Property]
    public bool Parse_EqualLengthRanges_ProduceThatManyBindings(ushort start, byte length)
    {
        int s = start % 60000 + 1, n = length % 50;
        var b = PortSpecParser.Parse($"{s}-{s + n}:{s + 1}-{s + 1 + n}");
        return b.Count == n + 1 && b.All(x => x.HostPorts!.Value.Start + 1 == x.Container.Port);
    }

    [Fact]
    public void Parse_ArbitraryStrings_NeverThrowAnythingButDataplaneException()
    {
        Prop.ForAll<string>(s =>
        {
            try { PortSpecParser.Parse(s ?? ""); }
            catch (DataplaneException) { }
        }).QuickCheckThrowOnFailure();
    }
}
