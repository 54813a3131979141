using Dataplane.ControlPlane.Host;

namespace Dataplane.Tests.ControlPlane;

/// <summary>net.ipv4.ip_local_reserved_ports as the kernel writes and reads it.</summary>
public class EphemeralPortReservationTests
{
    [Theory]
    [InlineData(new int[0], "\n")]
    [InlineData(new[] { 8080 }, "8080")]
    [InlineData(new[] { 10002, 8080, 10000, 10001, 8080, 5353 }, "5353,8080,10000-10002")]
    public void Format_AscendingRuns(int[] ports, string expected) => Assert.Equal(expected, EphemeralPortReservation.Format(ports));

    [Fact]
    public void Parse_KernelsList_EveryPort() =>
        Assert.Equal([1000, 1001, 1002, 8080], EphemeralPortReservation.Parse("1000-1002,8080\n"));

    [Fact]
    public void FormatParse_FiftyThousandPorts_OneRunBack()
    {
        var ports = Enumerable.Range(10000, 50_000).ToList();
        Assert.Equal("10000-59999", EphemeralPortReservation.Format(ports));
        Assert.Equal(ports, EphemeralPortReservation.Parse("10000-59999"));
    }
}
