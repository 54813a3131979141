using System.Net;
using System.Net.Sockets;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Sockets;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Interop.Sockets;

/// <summary>Holding host ports in a throwaway namespace with only lo up.</summary>
public sealed class PortHoldTests : IDisposable
{
    private readonly NamespaceSet? _spaces = Privileges.IsRoot ? new() : null;
    private readonly NetworkNamespace? _ns;

    public PortHoldTests() => _ns = _spaces?.CreateWithLoopback("hold");

    public void Dispose() => _spaces?.Dispose();

    private T In<T>(Func<T> f) => _ns!.Run(f);

    [PrivilegedFact]
    public void HeldTcpPort_RefusedToOthersUntilReleased()
    {
        var held = In(() => PortHold.TryHold(IPAddress.Any, udp: false, 8080, out _));
        Assert.NotNull(held);
        // Another process's bind fails, even with SO_REUSEADDR and SO_REUSEPORT: the held socket sets neither.
        Assert.Equal(SocketError.AddressAlreadyInUse, In(() => BindWithSockets(IPAddress.Loopback, SocketType.Stream, ProtocolType.Tcp, 8080)));
        Assert.Equal(Errno.EADDRINUSE, Refusal(IPAddress.Loopback, udp: false, 8080));
        held.Dispose();
        Assert.Equal(SocketError.Success, In(() => BindWithSockets(IPAddress.Loopback, SocketType.Stream, ProtocolType.Tcp, 8080)));
    }

    [PrivilegedFact]
    public void HeldTcpPort_AConnectionThatBypassesTheDataPathIsRefusedNotLeftHanging()
    {
        using var held = In(() => PortHold.TryHold(IPAddress.Any, udp: false, 8181, out _));
        Assert.NotNull(held);
        var outcome = In(() =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try { client.Connect(new IPEndPoint(IPAddress.Loopback, 8181)); return SocketError.Success; }
            catch (SocketException e) { return e.SocketErrorCode; }
        });
        Assert.Equal(SocketError.ConnectionRefused, outcome);
    }

    [PrivilegedFact]
    public void HeldUdpPort_RefusedToOthers_TcpOfTheSamePortStaysFree()
    {
        using var held = In(() => PortHold.TryHold(IPAddress.Loopback, udp: true, 5353, out _));
        Assert.NotNull(held);
        Assert.Equal(SocketError.AddressAlreadyInUse, In(() => BindWithSockets(IPAddress.Loopback, SocketType.Dgram, ProtocolType.Udp, 5353)));
        using var tcp = In(() => PortHold.TryHold(IPAddress.Loopback, udp: false, 5353, out _));
        Assert.NotNull(tcp);
    }

    [PrivilegedFact]
    public void Ipv6Any_IsNotIpv4Any()
    {
        using var v4 = In(() => PortHold.TryHold(IPAddress.Any, udp: false, 9090, out _));
        using var v6 = In(() => PortHold.TryHold(IPAddress.IPv6Any, udp: false, 9090, out _));
        Assert.NotNull(v4);
        Assert.NotNull(v6);
        Assert.Equal(Errno.EADDRINUSE, Refusal(IPAddress.IPv6Loopback, udp: false, 9090));
    }

    [PrivilegedFact]
    public void AddressNotLocal_RefusedWithEaddrnotavail()
    {
        Assert.Equal(Errno.EADDRNOTAVAIL, Refusal(IPAddress.Parse("198.18.77.1"), udp: false, 8080));
    }

    [Fact]
    public void PortOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PortHold.TryHold(IPAddress.Any, udp: false, 65536, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => PortHold.TryHold(IPAddress.Any, udp: false, -1, out _));
    }

    /// <summary>Why a hold was refused; Errno.None (the hold released at once) when it was not.</summary>
    private Errno Refusal(IPAddress ip, bool udp, int port) => In(() =>
    {
        using var h = PortHold.TryHold(ip, udp, port, out var reason);
        return reason;
    });

    private static SocketError BindWithSockets(IPAddress ip, SocketType type, ProtocolType proto, int port)
    {
        using var s = new Socket(ip.AddressFamily, type, proto);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        s.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SOL_SOCKET, SO_REUSEPORT
        try
        {
            s.Bind(new IPEndPoint(ip, port));
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}
