using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Tests.ControlPlane;

public class ExposedPortsTests
{
    [Fact]
    public void Parse_RangeWithProto_ExpandsEveryPort() =>
        Assert.Equal(["7000/udp", "7001/udp", "7002/udp"], ExposedPorts.Parse("7000-7002/udp").Select(p => p.ToString()));

    [Theory]
    [InlineData("x")]
    [InlineData("0")]
    [InlineData("9-1")]
    public void Parse_Bad_ThrowsExposeMessage(string spec) =>
        Assert.Equal($"invalid range format for --expose: {spec}", Assert.Throws<DataplaneException>(() => ExposedPorts.Parse(spec)).Message);

    [Fact]
    public void WithPublishAll_ExposedWithoutBinding_GetsDynamicBindingOnly()
    {
        var explicitB = PortSpecParser.Parse("8080:80");
        var exposed = ExposedPorts.Union([new ContainerPort(443, Proto.Tcp), new ContainerPort(53, Proto.Udp)], explicitB);
        var all = ExposedPorts.WithPublishAll(exposed, explicitB, publishAll: true);
        Assert.Equal(3, all.Count);
        Assert.Equal(PortRange.Single(8080), all.Single(b => b.Container.Port == 80).HostPorts);
        Assert.Null(all.Single(b => b.Container.Port == 443).HostPorts);
        Assert.Null(all.Single(b => b.Container.Port == 53).HostPorts);
    }

    [Fact]
    public void WithPublishAll_False_KeepsExplicitOnly() =>
        Assert.Single(ExposedPorts.WithPublishAll([new ContainerPort(443, Proto.Tcp)], PortSpecParser.Parse("80"), false));
}
