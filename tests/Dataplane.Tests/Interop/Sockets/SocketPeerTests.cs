using System.Net;
using System.Net.Sockets;
using Dataplane.Interop;
using Dataplane.Interop.Sockets;

namespace Dataplane.Tests.Interop.Sockets;

public sealed class SocketPeerTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Of_ConnectedTcp_IsTheAcceptedSocketsLocalEndpoint(string address)
    {
        var ip = IPAddress.Parse(address);
        using var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(ip, 0));
        listener.Listen();
        using var client = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var accepted = listener.Accept();
        Assert.Equal(accepted.LocalEndPoint, SocketPeer.Of(client));
        Assert.Equal(client.LocalEndPoint, SocketPeer.Of(accepted));
    }

    [Fact]
    public void Of_Unconnected_ThrowsEnotconn()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = Assert.Throws<InteropException>(() => SocketPeer.Of(s));
        Assert.Equal(Errno.ENOTCONN, e.Errno);
    }
}
