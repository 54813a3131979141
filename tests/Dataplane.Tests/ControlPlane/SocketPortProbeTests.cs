using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Daemon;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.ControlPlane;

/// <summary>The daemon's host-port probe in a throwaway namespace with only lo up.</summary>
public sealed class SocketPortProbeTests : IDisposable
{
    private readonly string _name = TestNames.Unique("probe");
    private readonly NetworkNamespace? _ns;

    public SocketPortProbeTests()
    {
        if (!Privileges.IsRoot) return;
        _ns = NetworkNamespace.Create(_name);
        using var nl = RtNetlink.Open(_ns);
        nl.SetUp("lo");
    }

    public void Dispose()
    {
        _ns?.Dispose();
        if (_ns is not null) NetworkNamespace.Delete(_name);
    }

    private static PublishedPort Tcp(int port) => new(IPAddress.Any, port, new ContainerPort(port, Proto.Tcp));

    private bool OthersCanBind(int port) => _ns!.Run(() =>
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try { s.Bind(new IPEndPoint(IPAddress.Loopback, port)); s.Listen(); return true; }
        catch (SocketException) { return false; }
    });

    [PrivilegedFact]
    public void Holding_PortsStayTakenUntilReleased_ABatchAcrossCoresInOrder()
    {
        using var probe = new SocketPortProbe(_ns!);
        var ports = Enumerable.Range(40000, 2000).Select(Tcp).ToList(); // large enough to be split across cores
        Assert.All(probe.TryReserve(ports), Assert.True);
        Assert.False(OthersCanBind(40000));
        Assert.False(OthersCanBind(41999));
        Assert.Equal([false, true], probe.TryReserve([Tcp(40500), Tcp(42000)])); // ours already; a free one
        probe.Release(Tcp(40000));
        Assert.True(OthersCanBind(40000));
    }

    [PrivilegedFact]
    public void NotHolding_ABusyPortIsStillRefused_AFreeOneIsLeftFree()
    {
        using var probe = new SocketPortProbe(_ns!, hold: false);
        using var other = _ns!.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Any, 8080));
            s.Listen();
            return s;
        });
        Assert.Equal([false, true], probe.TryReserve([Tcp(8080), Tcp(8081)]));
        Assert.True(OthersCanBind(8081));
    }
}
