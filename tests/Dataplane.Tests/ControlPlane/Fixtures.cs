using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Tests.ControlPlane;

internal static class Fixtures
{
    public static readonly NetworkRecord Bridge = NetworkPlanner.DefaultBridge("dp0", SubnetPlanner.DefaultBridgeSubnet, id: new string('b', 64));

    public static readonly NetworkRecord Lab = Bridge with { Id = new string('c', 64), Name = "lab", BridgeName = "dp-lab", Subnet = "10.77.0.0/24", Gateway = "10.77.0.1" };

    public static ContainerRecord Container(string name, string? network = "bridge", string? ip = "172.17.0.2",
        ContainerState state = ContainerState.Running, string? id = null) =>
        new(id ?? Ids.New(), name, network ?? "none", network is null ? [] : [new EndpointRecord(network, ip, null)], "h-" + name, [], [], [], ["A=1"], ["5432/tcp"], [],
            ["sleep", "1"], true, false, state, null, 4242, DateTimeOffset.UnixEpoch);

    public static StateView State(params ContainerRecord[] containers) =>
        new(new StateDocument(StateDocument.CurrentSchemaVersion, [Bridge, Lab], containers));
}
