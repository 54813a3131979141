using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.ControlPlane;

/// <summary>The daemon's host-port probe (sock_diag) in a throwaway namespace with only lo up, against
/// real sockets of every kind that holds a port.</summary>
public sealed class SocketPortProbeTests : IDisposable
{
    private readonly NamespaceSet? _spaces = Privileges.IsRoot ? new() : null;
    private readonly NetworkNamespace? _ns;
    private readonly List<Socket> _others = [];

    public SocketPortProbeTests() => _ns = _spaces?.CreateWithLoopback("probe");

    public void Dispose()
    {
        foreach (var s in _others) s.Dispose();
        _spaces?.Dispose();
    }

    private static PublishedPort Port(string ip, int port, Proto proto = Proto.Tcp) => new(IPAddress.Parse(ip), port, new ContainerPort(port, proto));

    /// <summary>Another process's socket in the namespace: bound, and listening when asked.</summary>
    private void Other(string ip, int port, SocketType type, bool listen = false, bool v6Only = true) => _others.Add(_ns!.Run(() =>
    {
        var address = IPAddress.Parse(ip);
        var s = new Socket(address.AddressFamily, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        if (address.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = !v6Only;
        s.Bind(new IPEndPoint(address, port));
        if (listen) s.Listen();
        return s;
    }));

    private Errno[] Refusals(params PublishedPort[] ports)
    {
        var view = new SocketPortProbe(_ns!).Look(ports.Select(p => (p.HostIp, p.Proto)).Distinct().ToList());
        return [.. ports.Select(view.Refusal)];
    }

    [PrivilegedFact]
    public void Look_ListeningTcpAndBoundUdpSockets_RefusedOnTheirPortsOnly()
    {
        Other("0.0.0.0", 8080, SocketType.Stream, listen: true);
        Other("127.0.0.1", 8081, SocketType.Stream, listen: true);
        Other("0.0.0.0", 8083, SocketType.Stream); // bound, never listening: not looked at (see SockDiag)
        Other("0.0.0.0", 5353, SocketType.Dgram);
        Assert.Equal([Errno.EADDRINUSE, Errno.EADDRINUSE, Errno.EADDRINUSE, Errno.None, Errno.None, Errno.None, Errno.None],
            Refusals(Port("0.0.0.0", 8080), Port("127.0.0.1", 8081), Port("0.0.0.0", 5353, Proto.Udp),
                Port("0.0.0.0", 8080, Proto.Udp), Port("0.0.0.0", 5353), Port("0.0.0.0", 8082), Port("0.0.0.0", 8083)));
    }

    [PrivilegedFact]
    public void Look_AddressesAsTheKernelBindsThem_WildcardsConflictWithinTheirFamily()
    {
        Other("127.0.0.1", 9000, SocketType.Stream, listen: true);
        Other("::", 9001, SocketType.Stream, listen: true, v6Only: false); // dual-stack: holds 0.0.0.0:9001 too
        Other("::", 9002, SocketType.Stream, listen: true);                 // IPv6 only
        Assert.Equal([Errno.EADDRINUSE, Errno.None, Errno.EADDRINUSE, Errno.EADDRINUSE, Errno.None, Errno.EADDRINUSE],
            Refusals(Port("0.0.0.0", 9000), Port("::", 9000), Port("0.0.0.0", 9001), Port("127.0.0.1", 9001),
                Port("0.0.0.0", 9002), Port("::1", 9002)));
    }

    [PrivilegedFact]
    public void Look_AddressNotOnTheHost_CannotAssign()
    {
        Assert.Equal([Errno.EADDRNOTAVAIL, Errno.None], Refusals(Port("198.18.7.7", 8080), Port("127.0.0.1", 8080)));
    }

    [PrivilegedFact]
    public void Look_HoldsNothing_APortLookedAtStaysFreeForOthers()
    {
        Assert.All(Refusals([.. Enumerable.Range(40000, 2000).Select(p => Port("0.0.0.0", p))]), e => Assert.Equal(Errno.None, e));
        Other("0.0.0.0", 40000, SocketType.Stream, listen: true); // throws if the probe had kept a socket on it
    }
}
