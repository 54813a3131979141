using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Sockets;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// cgroup connect4/sendmsg4/recvmsg4/getpeername4: a host process reaching 127.0.0.1:hostPort or
/// a host address talks to the container address directly and sees the address it asked for.
/// Real sockets in a throwaway namespace where the "containers" C1 and C2 are local addresses.
/// </summary>
[Collection(ProcessCgroupCollection.Name)]
public sealed class SocketHookTests : DataPathTestBase
{
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
        _ns.Exec($"addr add {C1}/32 dev lo");
        _ns.Exec($"addr add {C2}/32 dev lo");
        var cookie = _ns.Run(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var buf = new byte[8];
            s.GetRawSocketOption(1 /* SOL_SOCKET */, 71 /* SO_NETNS_COOKIE */, buf);
            return BitConverter.ToUInt64(buf);
        });
        O.Update(DataPathAbi.MapConfig, 0u, new ConfigValue { NetnsCookie = ownNetns ? cookie : cookie + 1000 });
        _cg = new TestCgroup();
        foreach (var hook in new[] { DataPathAbi.ProgConnect4, DataPathAbi.ProgSendmsg4, DataPathAbi.ProgRecvmsg4, DataPathAbi.ProgGetpeername4 })
            _cg.Attach(O.Program(hook));
        _cg.Enter();
    }

    [PrivilegedTheory]
    [InlineData("127.0.0.1", WebPort)]
    [InlineData(Host, WebPort)]
    [InlineData("127.0.0.1", LocalOnlyPort)]
    public void Connect4_LocalClientToPublishedPort_ReachesContainerAndSeesAskedAddress(string addr, ushort port)
    {
        Setup();
        var ctrPort = port == WebPort ? 80 : 90;
        var (local, peer) = _ns.Run(() =>
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Parse(C1), ctrPort));
            listener.Listen();
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(new IPEndPoint(IPAddress.Parse(addr), port));
            using var accepted = listener.Accept();
            return (accepted.LocalEndPoint!.ToString(), PeerOf(client));
        });
        Assert.Equal($"{C1}:{ctrPort}", local);
        Assert.Equal($"{addr}:{port}", peer);
    }

    [PrivilegedFact]
    public void SendRecvmsg4_UdpToLoopbackPublishedPort_ContainerAnswersAsPublishedAddress()
    {
        Setup();
        var (serverSaw, clientSaw, payload) = _ns.Run(() =>
        {
            using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            server.Bind(new IPEndPoint(IPAddress.Parse(C2), 53));
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
            server.ReceiveTimeout = 2000;
            client.SendTo("ping"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, DnsPort));
            var buf = new byte[16];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            var n = server.ReceiveFrom(buf, ref from);
            server.SendTo(buf[..n], from);
            EndPoint answerFrom = new IPEndPoint(IPAddress.Any, 0);
            n = client.ReceiveFrom(buf, ref answerFrom);
            return (server.LocalEndPoint!.ToString(), answerFrom.ToString(), System.Text.Encoding.ASCII.GetString(buf, 0, n));
        });
        Assert.Equal($"{C2}:53", serverSaw);
        Assert.Equal($"127.0.0.1:{DnsPort}", clientSaw);
        Assert.Equal("ping", payload);
    }

    [PrivilegedFact]
    public void Connect4_OtherNetworkNamespace_LeftAlone()
    {
        Setup(ownNetns: false);
        var error = _ns.Run(() =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                client.Connect(new IPEndPoint(IPAddress.Loopback, WebPort));
                return SocketError.Success;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
        });
        Assert.Equal(SocketError.ConnectionRefused, error);
    }

    internal static string PeerOf(Socket s) => SocketPeer.Of(s).ToString();
}

/// <summary>These tests move the whole test process into their cgroup; nothing else may run (and
/// start child processes that would be born in that cgroup) meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCgroupCollection
{
    public const string Name = "dpt-dp process cgroup";
}
