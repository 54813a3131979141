using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Tests.ControlPlane;

public class NetworkPlannerTests
{
    private static string Error(NetworkCreateRequest r) =>
        Assert.Throws<DataplaneException>(() => NetworkPlanner.Plan(r, Fixtures.State())).Message;

    [Fact]
    public void Plan_NoSubnet_PicksNextFreeDockerPool()
    {
        var n = NetworkPlanner.Plan(new NetworkCreateRequest("web"), Fixtures.State(), id: new string('e', 64));
        Assert.Equal("172.18.0.0/16", n.Subnet);
        Assert.Equal("172.18.0.1", n.Gateway);
        Assert.Equal("dp-eeeeeeeeeeee", n.BridgeName);
        Assert.True(n.Icc);
    }

    [Fact]
    public void Plan_SubnetGatewayInternalIcc_Kept()
    {
        var n = NetworkPlanner.Plan(new NetworkCreateRequest("x", "10.50.0.0/24", "10.50.0.254", true,
            new Dictionary<string, string> { ["icc"] = "false" }), Fixtures.State());
        Assert.Equal(("10.50.0.0/24", "10.50.0.254", true, false), (n.Subnet, n.Gateway, n.Internal, n.Icc));
    }

    [Theory]
    [InlineData("lab", null, null, "network with name lab already exists")]
    [InlineData("host", null, null, "network with name host already exists")]
    [InlineData("x", "10.77.0.128/25", null, "Pool overlaps with other one on this address space")]
    [InlineData("x", "172.16.0.0/12", null, "Pool overlaps with other one on this address space")]
    [InlineData("x", null, "10.1.1.1", "every ip-range or gateway must have a corresponding subnet")]
    [InlineData("x", "10.50.0.0/24", "10.51.0.1", "no matching subnet for gateway 10.51.0.1")]
    [InlineData("x", "10.50.0.1/24", null, "invalid subnet 10.50.0.1/24: it should be 10.50.0.0/24")]
    [InlineData("bad name", null, null, "invalid network name \"bad name\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")]
    public void Plan_Bad_DockerMessage(string name, string? subnet, string? gateway, string message) =>
        Assert.Equal(message, Error(new NetworkCreateRequest(name, subnet, gateway)));

    [Fact]
    public void Plan_BadOptions_Refused()
    {
        Assert.Equal("invalid value for icc: maybe", Error(new NetworkCreateRequest("x", Options: new Dictionary<string, string> { ["icc"] = "maybe" })));
        Assert.StartsWith("unknown network option mtu", Error(new NetworkCreateRequest("x", Options: new Dictionary<string, string> { ["mtu"] = "1" })));
        Assert.StartsWith("invalid bridge name", Error(new NetworkCreateRequest("x", Options: new Dictionary<string, string> { ["name"] = "sixteen-chars-xx" })));
    }

    [Fact]
    public void CheckRemovable_DefaultOrInUse_Refused()
    {
        var state = Fixtures.State(Fixtures.Container("a", "lab", "10.77.0.2"));
        Assert.Equal("bridge is a pre-defined network and cannot be removed",
            Assert.Throws<DataplaneException>(() => NetworkPlanner.CheckRemovable("bridge", state)).Message);
        Assert.StartsWith("error while removing network: network lab id", Assert.Throws<DataplaneException>(() => NetworkPlanner.CheckRemovable("lab", state)).Message);
        Assert.Equal("network zz not found", Assert.Throws<DataplaneException>(() => NetworkPlanner.CheckRemovable("zz", state)).Message);
        Assert.Equal("lab", NetworkPlanner.CheckRemovable("lab", Fixtures.State()).Name);
    }
}
