using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Daemon;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.ControlPlane;

/// <summary>The daemon's host-port probe in a throwaway namespace with only lo up.</summary>
public sealed class SocketPortProbeTests : IDisposable
{
    private readonly NamespaceSet? _spaces = Privileges.IsRoot ? new() : null;
    private readonly NetworkNamespace? _ns;

    public SocketPortProbeTests() => _ns = _spaces?.CreateWithLoopback("probe");

    public void Dispose() => _spaces?.Dispose();

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
        Assert.All(probe.TryReserve(ports), e => Assert.Equal(Errno.None, e));
        Assert.False(OthersCanBind(40000));
        Assert.False(OthersCanBind(41999));
        Assert.Equal([Errno.EADDRINUSE, Errno.None], probe.TryReserve([Tcp(40500), Tcp(42000)])); // ours already; a free one
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
        Assert.Equal([Errno.EADDRINUSE, Errno.None], probe.TryReserve([Tcp(8080), Tcp(8081)]));
        Assert.True(OthersCanBind(8081));
    }
}
