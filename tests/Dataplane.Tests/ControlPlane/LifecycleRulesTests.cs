using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Tests.ControlPlane;

/// <summary>The stateless rules behind kill -s, --network-alias, --add-host NAME:host-gateway and the predefined networks.</summary>
public sealed class LifecycleRulesTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("sigusr1", 10)]
    [InlineData("term", 15)]
    [InlineData("15", 15)]
    [InlineData("64", 64)]
    public void SignalNames_NameOrNumber_LinuxNumber(string text, int number) => Assert.Equal(number, SignalNames.Parse(text));

    [Theory]
    [InlineData("BOGUS")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("")]
    public void SignalNames_Unknown_DockersError(string text) =>
        Assert.Equal($"Invalid signal: {text}", Assert.Throws<DataplaneException>(() => SignalNames.Parse(text)).Message);

    [Fact]
    public void Run_AddHostHostGateway_DefaultBridgesGateway()
    {
        var plan = RunValidator.Validate(new RunRequest(["true"], Network: "lab", AddHosts: ["hgw:host-gateway", "db:198.18.9.9"]), Fixtures.State());
        Assert.Equal([("hgw", Fixtures.Bridge.Gateway), ("db", "198.18.9.9")], plan.Run.ExtraHosts.Select(h => (h.Name, h.Address.ToString())));
        Assert.DoesNotContain(plan.Run.ExtraHosts, h => h.ToHostGateway);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bridge")]
    [InlineData("host")]
    [InlineData("none")]
    public void Run_NetworkAliasOffUserNetworks_DockersError(string? network)
    {
        var e = Assert.Throws<DataplaneException>(() => RunValidator.Validate(new RunRequest(["true"], Network: network, NetworkAliases: ["a"]), Fixtures.State()));
        Assert.Equal("network-scoped alias is supported only for containers in user defined networks", e.Message);
    }

    [Fact]
    public void Run_NetworkAliasOnUserNetwork_Kept()
    {
        var plan = RunValidator.Validate(new RunRequest(["true"], Network: "lab", NetworkAliases: ["a", "b", "a"]), Fixtures.State());
        Assert.Equal(["a", "b"], plan.Run.Aliases!);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("none")]
    [InlineData("bridge")]
    public void NetworkRm_Predefined_DockersError(string name)
    {
        var e = Assert.Throws<DataplaneException>(() => NetworkPlanner.CheckRemovable(name, Fixtures.State()));
        Assert.Equal($"{name} is a pre-defined network and cannot be removed", e.Message);
    }
}
