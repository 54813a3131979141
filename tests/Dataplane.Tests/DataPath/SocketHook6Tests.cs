using System.Net;
using System.Net.Sockets;
using System.Text;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using W4 = Dataplane.Tests.DataPath.TestWorld;
using W6 = Dataplane.Tests.DataPath.TestWorld6;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// cgroup connect6/sendmsg6/recvmsg6/getpeername6: a host process's AF_INET6 socket reaching [::1]:hostPort
/// or a host IPv6 address talks to the container directly and sees the address it asked for; a dual-stack
/// socket reaching an IPv4-mapped address (::ffff:127.0.0.1) goes through the IPv4 published ports.
/// Real sockets in a throwaway namespace where both worlds' containers are local addresses.
/// </summary>
[Collection(ProcessCgroupCollection.Name)]
public sealed class SocketHook6Tests : DataPathTestBase
{
    private const ushort WebPort = W4.WebPort, DnsPort = W4.DnsPort, LocalOnlyPort = W4.LocalOnlyPort, PinnedPort = W4.PinnedPort;
    private readonly FibNamespace _ns = new();
    private TestCgroup? _cg;

    private protected override void DisposeMore()
    {
        try
        {
            _cg?.Dispose();
        }
        finally
        {
            _ns.Dispose();
        }
    }

    private void Setup(bool ownNetns = true)
    {
        W6.Seed(O);
        foreach (var a in new[] { W4.C1, W4.C2 }) _ns.Exec($"addr add {a}/32 dev lo");
        foreach (var a in new[] { W6.C1, W6.C2, W6.Host }) _ns.Exec($"addr add {a}/128 dev lo nodad");
        var cookie = _ns.Run(() =>
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            var buf = new byte[8];
            s.GetRawSocketOption(1 /* SOL_SOCKET */, 71 /* SO_NETNS_COOKIE */, buf);
            return BitConverter.ToUInt64(buf);
        });
        O.Update(DataPathAbi.MapConfig, 0u, new ConfigValue { NetnsCookie = ownNetns ? cookie : cookie + 1000 });
        _cg = new TestCgroup();
        foreach (var hook in DataPathProgram.SocketHooks) _cg.Attach(O.Program(hook));
        _cg.Enter();
    }

    /// <summary>Connects an AF_INET6 socket (dual-stack) to asked:port while ctr:ctrPort listens; what the
    /// container accepted on and what getpeername tells the client.</summary>
    private (string Accepted, string Peer) Connect(string asked, ushort port, string ctr, int ctrPort)
        => _ns.Run(() =>
        {
            using var listener = new Socket(IPAddress.Parse(ctr).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Parse(ctr), ctrPort));
            listener.Listen();
            using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            client.Connect(new IPEndPoint(IPAddress.Parse(asked), port));
            using var accepted = listener.Accept();
            return (accepted.LocalEndPoint!.ToString()!, SocketHookTests.PeerOf(client));
        });

    [PrivilegedTheory]
    [InlineData("::1", WebPort, W6.C1, 80)]
    [InlineData(W6.Host, WebPort, W6.C1, 80)]
    [InlineData("::1", LocalOnlyPort, W6.C1, 90)]
    [InlineData(W6.Host, PinnedPort, W6.C2, 443)]
    public void Connect6_LocalClientToPublishedPort_ReachesContainerAndSeesAskedAddress(string asked, ushort port, string ctr, int ctrPort)
    {
        Setup();

        var (accepted, peer) = Connect(asked, port, ctr, ctrPort);

        Assert.Equal($"[{ctr}]:{ctrPort}", accepted);
        Assert.Equal($"[{asked}]:{port}", peer);
        Assert.Equal(1UL, O.Counter(DataPathAbi.MapFwd, (uint)ForwardPath.SockConnect).Packets);
    }

    [PrivilegedFact]
    public void Connect6_Ipv4MappedLoopback_ReachesIpv4ContainerThroughIpv4Table()
    {
        Setup();

        var (accepted, peer) = Connect("::ffff:127.0.0.1", WebPort, W4.C1, 80);

        Assert.Equal($"{W4.C1}:80", accepted);
        Assert.Equal($"[::ffff:127.0.0.1]:{WebPort}", peer);
    }

    [PrivilegedTheory]
    [InlineData("::1", LocalOnlyPort + 1)] // not published
    [InlineData("::1", PinnedPort)]         // published on Host only
    [InlineData(W6.Host, LocalOnlyPort)]    // published on ::1 only
    public void Connect6_NotPublishedThere_LeftAlone(string asked, ushort port)
    {
        Setup();

        Assert.Equal(SocketError.ConnectionRefused, ConnectError(asked, port));
        Assert.Equal(0UL, O.Counter(DataPathAbi.MapFwd, (uint)ForwardPath.SockConnect).Packets);
    }

    [PrivilegedFact]
    public void Connect6_OtherNetworkNamespace_LeftAlone()
    {
        Setup(ownNetns: false);

        Assert.Equal(SocketError.ConnectionRefused, ConnectError("::1", WebPort));
    }

    private SocketError ConnectError(string asked, ushort port) => _ns.Run(() =>
    {
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Connect(new IPEndPoint(IPAddress.Parse(asked), port));
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    });

    /// <summary>One datagram from a dual-stack AF_INET6 client to asked:DnsPort, echoed by the container's
    /// server at ctr:53: where the server got it, and whom the client's recvmsg names as the sender.</summary>
    private (string ServerSaw, string ClientSaw, string Payload) UdpEcho(string asked, string ctr) => _ns.Run(() =>
    {
        using var server = new Socket(IPAddress.Parse(ctr).AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
        server.Bind(new IPEndPoint(IPAddress.Parse(ctr), 53));
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true, ReceiveTimeout = 2000 };
        client.SendTo("ping"u8.ToArray(), new IPEndPoint(IPAddress.Parse(asked), DnsPort));
        var buf = new byte[16];
        EndPoint from = new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        var n = server.ReceiveFrom(buf, ref from);
        server.SendTo(buf[..n], from);
        EndPoint answerFrom = new IPEndPoint(IPAddress.IPv6Any, 0);
        n = client.ReceiveFrom(buf, ref answerFrom);
        return (server.LocalEndPoint!.ToString()!, answerFrom.ToString()!, Encoding.ASCII.GetString(buf, 0, n));
    });

    [PrivilegedTheory]
    [InlineData("::1")]
    [InlineData(W6.Host)]
    public void SendRecvmsg6_UdpToPublishedPort_ContainerAnswersAsPublishedAddress(string asked)
    {
        Setup();

        var (serverSaw, clientSaw, payload) = UdpEcho(asked, W6.C2);

        Assert.Equal($"[{W6.C2}]:53", serverSaw);
        Assert.Equal($"[{asked}]:{DnsPort}", clientSaw);
        Assert.Equal("ping", payload);
        Assert.Equal(1UL, O.Counter(DataPathAbi.MapFwd, (uint)ForwardPath.SockSendmsg).Packets);
    }

    /// <summary>The kernel hands a dual-stack socket's IPv4-mapped datagram to the IPv4 stack (sendmsg4 hook),
    /// but reports the answer through recvmsg6: the two families' hooks must share the socket's record.</summary>
    [PrivilegedFact]
    public void SendRecvmsg6_UdpToIpv4MappedLoopback_Ipv4ContainerAnswersAsMappedAddress()
    {
        Setup();

        var (serverSaw, clientSaw, payload) = UdpEcho("::ffff:127.0.0.1", W4.C2);

        Assert.Equal($"{W4.C2}:53", serverSaw);
        Assert.Equal($"[::ffff:127.0.0.1]:{DnsPort}", clientSaw);
        Assert.Equal("ping", payload);
    }
}
