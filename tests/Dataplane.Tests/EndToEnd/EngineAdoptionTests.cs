using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// The engine as a frontend for another runtime uses it: a bridge, a veth and a sandbox made by
/// "the runtime" (here the lab, as Docker or a CNI plugin would), adopted, published to with real
/// traffic, then released and forgotten without deleting what the runtime owns.
/// </summary>
public sealed class EngineAdoptionTests : IDisposable
{
    private const string Bridge = "br-rt";
    private static readonly IPAddress Subnet = IPAddress.Parse("198.19.30.0"), Gateway = IPAddress.Parse("198.19.30.1"), Ctr = IPAddress.Parse("198.19.30.2");

    private readonly Lab _lab = null!;
    private readonly NetworkHost _host = null!;
    private readonly SocketPortProbe _probe = null!;
    private readonly DataplaneEngine _engine = null!;
    private readonly string _pins = Path.Combine(BpfFs.DefaultRoot, TestNames.Unique("pins"));

    public EngineAdoptionTests()
    {
        if (!Privileges.IsRoot) return;
        _lab = new Lab();
        _host = NetworkHost.Start(new DaemonOptions(Uplinks: [Lab.Uplink], SocketHookCgroup: "none")
        {
            Namespace = _lab.Host.Name,
            DataPath = new DataPathOptions { PinDirectory = _pins, ConntrackEntries = 4096 },
        });
        _probe = _host.CreatePortProbe(hold: true);
        _engine = new DataplaneEngine(_host, new PortPublisher(_host.PortMap, new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, _probe)));
    }

    public void Dispose()
    {
        if (_host is not null)
        {
            _host.Uninstall();
            _host.Dispose();
        }
        _lab?.Dispose();
    }

    [PrivilegedFact]
    public void AdoptedEndpoint_PublishedPort_CarriesTrafficAndReleaseKeepsTheRuntimesLinks()
    {
        var ctr = _lab.AddContainer("rt", Ctr, 24, Gateway, Bridge);
        var owner = new Owner(OwnerKind.Cni, "sandbox-1/eth0");
        _engine.AdoptNetwork(new NetworkSpec("cni-net", "cni-net", Bridge, Subnet, 24, Gateway));
        var endpoint = _engine.AdoptEndpoint(new EndpointSpec(owner, "cni-net", ctr.HostVeth, ctr.Mac, Ctr));
        Assert.Equal(ctr.HostVethIndex, endpoint.HostIfindex);

        var published = _engine.Publish(owner, [new PortBinding(null, PortRange.Single(8081), new ContainerPort(80, Proto.Tcp))]);
        Assert.Equal([new PublishedPort(IPAddress.Any, 8081, new ContainerPort(80, Proto.Tcp))], published);
        Assert.Equal(published, _engine.PublishedPorts(owner));

        var server = _lab.StartIn(ctr.Namespace, "sh", "-c \"nc -l -p 80 -w 5 > /dev/null; echo done\"");
        Lab.AwaitListener(ctr.Namespace, 80);
        var (exit, output) = Lab.RunIn(_lab.External, "sh", $"-c \"echo hello | nc -w 3 -N {Lab.HostAddress} 8081\"");
        Assert.True(exit == 0, output);
        Assert.True(server.WaitForExit(10_000));

        _engine.Release(owner);
        Assert.Empty(_engine.PublishedPorts(owner));
        Assert.Empty(_engine.Endpoints(OwnerKind.Cni));
        Assert.DoesNotContain(_host.PortMap.PortMappings(), m => m.Port.HostPort == 8081);
        Assert.NotNull(_lab.HostLinks.TryGetLink(ctr.HostVeth)); // the runtime's veth stays

        _engine.ForgetNetwork("cni-net");
        Assert.NotNull(_lab.HostLinks.TryGetLink(Bridge)); // and so does its bridge
    }

    [PrivilegedFact]
    public void Publish_PortOfAnotherOwner_RefusedAndNothingChanges()
    {
        var a = _lab.AddContainer("ra", Ctr, 24, Gateway, Bridge);
        var b = _lab.AddContainer("rb", IPAddress.Parse("198.19.30.3"), 24, Gateway, Bridge);
        _engine.AdoptNetwork(new NetworkSpec("n", "n", Bridge, Subnet, 24, Gateway));
        var ownerA = new Owner(OwnerKind.Docker, "a");
        var ownerB = new Owner(OwnerKind.Cni, "b");
        _engine.AdoptEndpoint(new EndpointSpec(ownerA, "n", a.HostVeth, a.Mac, a.Address));
        _engine.AdoptEndpoint(new EndpointSpec(ownerB, "n", b.HostVeth, b.Mac, b.Address));
        var binding = new PortBinding(null, PortRange.Single(8082), new ContainerPort(80, Proto.Tcp));
        _engine.Publish(ownerA, [binding], reserveHostPorts: false);

        var e = Assert.Throws<DataplaneException>(() => _engine.Publish(ownerB, [binding]));

        Assert.Equal("Bind for 0.0.0.0:8082 failed: port is already allocated", e.Message);
        Assert.Empty(_engine.PublishedPorts(ownerB));
        Assert.Single(_host.PortMap.PortMappings(), m => m.Port.HostPort == 8082 && m.ContainerAddress.Equals(a.Address));
        Assert.Throws<DataplaneException>(() => _engine.AdoptEndpoint(new EndpointSpec(new Owner(OwnerKind.Cni, "c"), "n", b.HostVeth, b.Mac, b.Address)));
    }
}
