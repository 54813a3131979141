using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Tests.ControlPlane;

public class PortFormattingTests
{
    private static PublishedPort P(string ip, int host, int port, Proto proto = Proto.Tcp) =>
        new(IPAddress.Parse(ip), host, new ContainerPort(port, proto));

    [Fact]
    public void PortLines_Mixed_NaturallySortedDockerFormat()
    {
        var lines = PortFormatting.PortLines([P("0.0.0.0", 8080, 80), P("::", 8080, 80), P("127.0.0.1", 49155, 5000), P("0.0.0.0", 53, 53, Proto.Udp), P("0.0.0.0", 9000, 443)]);
        Assert.Equal(["53/udp -> 0.0.0.0:53", "80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080", "443/tcp -> 0.0.0.0:9000", "5000/tcp -> 127.0.0.1:49155"], lines);
    }

    [Fact]
    public void PortLines_OnePort_PrintsOnlyHostEndpoints() =>
        Assert.Equal(["127.0.0.1:49155"], PortFormatting.PortLines([P("127.0.0.1", 49155, 5000), P("0.0.0.0", 1, 80)], ContainerPort.Parse("5000"), "web"));

    [Fact]
    public void PortLines_Missing_ThrowsDockerError() =>
        Assert.Equal("Error: No public port '80/tcp' published for web",
            Assert.Throws<DataplaneException>(() => PortFormatting.PortLines([P("0.0.0.0", 1, 80, Proto.Udp)], ContainerPort.Parse("80/tcp"), "web")).Message);

    [Fact]
    public void PsColumn_SeedExample_MatchesDockerPs() =>
        Assert.Equal("0.0.0.0:49155->5000/tcp", PortFormatting.PsColumn([P("0.0.0.0", 49155, 5000)], []));

    [Fact]
    public void PsColumn_SamePortRange_IsCompacted() =>
        Assert.Equal("0.0.0.0:8000-8002->8000-8002/tcp",
            PortFormatting.PsColumn([P("0.0.0.0", 8002, 8002), P("0.0.0.0", 8000, 8000), P("0.0.0.0", 8001, 8001)], []));

    [Fact]
    public void PsColumn_ExposedAndMapped_DockerOrder() =>
        Assert.Equal("53/udp, 443/tcp, 0.0.0.0:8000->80/tcp, 0.0.0.0:8001->81/tcp",
            PortFormatting.PsColumn([P("0.0.0.0", 8001, 81), P("0.0.0.0", 8000, 80)], [new ContainerPort(443, Proto.Tcp), new ContainerPort(53, Proto.Udp)]));

    [Fact]
    public void PsColumn_Gap_StartsNewGroup() =>
        Assert.Equal("80-81/tcp, 83/tcp", PortFormatting.PsColumn([], [new(80, Proto.Tcp), new(81, Proto.Tcp), new(83, Proto.Tcp)]));

    [Theory]
    [InlineData("a2", "a10", -1)]
    [InlineData("80/tcp -> x", "443/tcp -> x", -1)]
    [InlineData("a", "a", 0)]
    [InlineData("b1", "a2", 1)]
    [InlineData("a01", "a2", -1)]
    public void NaturalOrder_Compare_NumbersByValue(string x, string y, int sign) =>
        Assert.Equal(sign, Math.Sign(NaturalOrder.Instance.Compare(x, y)));
}
