using System.Net;
using System.Net.Sockets;
using System.Text;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;

namespace Dataplane.Tests.DataPath;

/// <summary>A process of the fake host reaching an IPv6 container's published port through [::1] and the
/// host's 2001:db8 address, with the data path loaded and attached (uplink, veth, socket hooks on a cgroup
/// of the test) by the product's loader, as the daemon does: no proxy, the container answers directly.</summary>
[Collection(ProcessCgroupCollection.Name)]
public sealed class LocalhostEndToEnd6Tests : IDisposable
{
    private static readonly IPAddress HostV6 = IPAddress.Parse("2001:db8::1");
    private static readonly IPAddress Gw = IPAddress.Parse("198.19.1.1"), Gw6 = IPAddress.Parse("fd00:1::1");
    private static readonly IPAddress Ctr = IPAddress.Parse("198.19.1.2"), Ctr6 = IPAddress.Parse("fd00:1::2");
    private const ushort PublishedPort = 8080, ServerPort = 5201;
    private const string Bridge = "dpbr0";

    private readonly ITestOutputHelper _output;
    private readonly Lab _lab = new();
    private readonly string _pins = Path.Combine(BpfFs.DefaultRoot, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    private LabContainer? _c1;
    private DataPathProgram? _dp;
    private TestCgroup? _cg;

    public LocalhostEndToEnd6Tests(ITestOutputHelper output) => _output = output;

    /// <summary>A dual-stack container behind the bridge, TCP and UDP <see cref="PublishedPort"/> on every IPv6
    /// address, the data path attached as the daemon attaches it; then the test process enters the cgroup.</summary>
    private void Start()
    {
        _lab.HostLinks.AddAddress(Lab.Uplink, HostV6, 64);
        _c1 = _lab.AddContainer("c1", Ctr, 24, Gw, bridge: Bridge);
        _lab.HostLinks.AddAddress(Bridge, Gw6, 64);
        using (var inside = RtNetlink.Open(_c1.Namespace))
        {
            inside.AddAddress("eth0", Ctr6, 64);
            inside.AddRoute(null, 0, Gw6);
        }
        _dp = _lab.Host.Run(() => DataPathProgram.Load(new DataPathOptions { PinDirectory = _pins }, _lab.Host.Cookie));
        var uplink = (uint)_lab.UplinkIndex;
        var bridge = (uint)_lab.HostLinks.IndexOf(Bridge);
        var bridgeMac = _lab.HostLinks.GetLink(Bridge).Mac!.GetAddressBytes();
        _dp.Maps6.AddHostAddress(HostV6, uplink);
        _dp.Maps6.AddHostAddress(Gw6, bridge);
        _dp.Maps6.SetNetwork(IPAddress.Parse("fd00:1::"), 64, 1, Gw6, NetworkFlags.Icc | NetworkFlags.Masquerade);
        _dp.Maps6.SetEndpoint(Ctr6, (uint)_c1.HostVethIndex, 1, _c1.Mac.GetAddressBytes(), bridgeMac);
        _dp.Maps6.AddPortMapping(Mappings.Of(1, IPAddress.IPv6Any, DataPathAbi.ProtoTcp, PublishedPort, Ctr6, ServerPort));
        _dp.Maps6.AddPortMapping(Mappings.Of(2, IPAddress.IPv6Any, DataPathAbi.ProtoUdp, PublishedPort, Ctr6, ServerPort));
        _lab.Host.Run(() =>
        {
            _dp.AttachUplink((int)uplink);
            _dp.AttachEndpoint(_c1.HostVethIndex);
        });
        _cg = new TestCgroup();
        _dp.AttachSocketHooks(_cg.Path);
        _cg.Enter();
    }

    private Socket InContainer(SocketType type, ProtocolType proto) => _c1!.Namespace.Run(() =>
    {
        var s = new Socket(AddressFamily.InterNetworkV6, type, proto) { ReceiveTimeout = 3000 };
        s.Bind(new IPEndPoint(Ctr6, ServerPort));
        if (type == SocketType.Stream) s.Listen();
        return s;
    });

    [PrivilegedTheory]
    [InlineData("::1")]
    [InlineData("2001:db8::1")]
    public void Tcp_HostProcessToPublishedPort_ContainerEchoesAndClientSeesAskedAddress(string asked)
    {
        Start();
        using var listener = InContainer(SocketType.Stream, ProtocolType.Tcp);

        var (peer, accepted, from, echo) = _lab.Host.Run(() =>
        {
            using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 3000 };
            client.Connect(new IPEndPoint(IPAddress.Parse(asked), PublishedPort));
            using var server = listener.Accept();
            client.Send("ping"u8);
            var buf = new byte[16];
            var n = server.Receive(buf);
            server.Send(buf.AsSpan(0, n));
            n = client.Receive(buf);
            return (SocketHookTests.PeerOf(client), server.LocalEndPoint!.ToString(), server.RemoteEndPoint!.ToString(), Encoding.ASCII.GetString(buf, 0, n));
        });

        Assert.Equal($"[{asked}]:{PublishedPort}", peer);
        Assert.Equal($"[{Ctr6}]:{ServerPort}", accepted);
        Assert.StartsWith($"[{Gw6}]:", from); // the host's own address on the bridge: no proxy, no translation
        Assert.Equal("ping", echo);
        Assert.Equal(1UL, new DataPathReader(_dp!.Object).Forwarded().Single(f => f.Path == ForwardPath.SockConnect).Counter.Packets);
    }

    [PrivilegedFact]
    public void Udp_HostProcessToLoopbackPublishedPort_ContainerAnswersAsPublishedAddress()
    {
        Start();
        using var server = InContainer(SocketType.Dgram, ProtocolType.Udp);

        var (serverSaw, clientSaw, echo) = _lab.Host.Run(() =>
        {
            using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 3000 };
            client.SendTo("ping"u8.ToArray(), new IPEndPoint(IPAddress.IPv6Loopback, PublishedPort));
            var buf = new byte[16];
            EndPoint from = new IPEndPoint(IPAddress.IPv6Any, 0);
            var n = server.ReceiveFrom(buf, ref from);
            server.SendTo(buf[..n], from);
            EndPoint answerFrom = new IPEndPoint(IPAddress.IPv6Any, 0);
            n = client.ReceiveFrom(buf, ref answerFrom);
            return (from.ToString(), answerFrom.ToString(), Encoding.ASCII.GetString(buf, 0, n));
        });

        Assert.StartsWith($"[{Gw6}]:", serverSaw);
        Assert.Equal($"[::1]:{PublishedPort}", clientSaw);
        Assert.Equal("ping", echo);
    }

    /// <summary>iperf3 -6 from the host to [::1]:PublishedPort: bulk traffic straight to the container.</summary>
    [PrivilegedFact]
    public void Iperf3_HostToLoopbackPublishedPort_ReachesContainer()
    {
        Start();
        var server = _lab.StartIn(_c1!.Namespace, "iperf3", $"-s -1 -p {ServerPort}");
        Lab.AwaitListener(_c1.Namespace, ServerPort);

        var (code, output) = Lab.RunIn(_lab.Host, "iperf3", $"-6 -c ::1 -p {PublishedPort} -t 1 -f m --connect-timeout 1500", TimeSpan.FromSeconds(12));

        Assert.True(code == 0 && output.Contains("receiver"), output);
        Assert.Contains($"Accepted connection from {Gw6}", Lab.OutputOf(server));
        _output.WriteLine(output);
    }

    public void Dispose()
    {
        try
        {
            _cg?.Leave();
            _dp?.DetachSocketHooks();
            _cg?.Dispose();
            _lab.Dispose();
        }
        finally
        {
            _dp?.Dispose();
            DataPathProgram.RemovePins(_pins);
        }
    }
}
