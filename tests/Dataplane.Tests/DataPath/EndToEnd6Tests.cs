using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// IPv6 with real traffic across namespaces: the shared Lab made dual-stack (the external client
/// 2001:db8::2, the fake host's uplink 2001:db8::1, containers on fd00:1::/64 behind the bridge, IPv6
/// forwarding on in the fake host), dp_nat loaded and attached by the product's loader, the IPv6 maps
/// written through <see cref="DataPathMaps6"/>.
/// </summary>
public sealed class EndToEnd6Tests : IDisposable
{
    private static readonly IPAddress HostV6 = IPAddress.Parse("2001:db8::1"), ExternalV6 = IPAddress.Parse("2001:db8::2");
    private static readonly IPAddress Gw = IPAddress.Parse("198.19.1.1"), Gw6 = IPAddress.Parse("fd00:1::1");
    private static readonly IPAddress Ctr = IPAddress.Parse("198.19.1.2"), Ctr6 = IPAddress.Parse("fd00:1::2");
    private const ushort PublishedPort = 8080, ServerPort = 5201, ExternalPort = 5202;
    private const string Bridge = "dpbr0";

    private static readonly PortMapping Tcp4 = Mappings.Of(1, null, DataPathAbi.ProtoTcp, PublishedPort, Ctr, ServerPort);
    private static readonly PortMapping Tcp6 = Mappings.Of(2, IPAddress.IPv6Any, DataPathAbi.ProtoTcp, PublishedPort, Ctr6, ServerPort);
    private static readonly PortMapping Udp6 = Mappings.Of(3, IPAddress.IPv6Any, DataPathAbi.ProtoUdp, PublishedPort, Ctr6, ServerPort);

    private readonly ITestOutputHelper _output;
    private readonly Lab _lab;
    private readonly LabContainer _c1;
    private readonly string _pins = Path.Combine(BpfFs.DefaultRoot, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    private DataPathProgram? _dp;

    public EndToEnd6Tests(ITestOutputHelper output)
    {
        _output = output;
        _lab = new Lab();
        try
        {
            Sysctl.Write(_lab.Host, "net.ipv6.conf.all.forwarding", "1"); // before the veths: they inherit it
            _lab.HostLinks.AddAddress(Lab.Uplink, HostV6, 64);
            using (var ext = RtNetlink.Open(_lab.External))
            {
                ext.AddAddress("eth0", ExternalV6, 64);
                ext.AddRoute(null, 0, HostV6);
            }
            _c1 = AddContainer("c1", Ctr, Ctr6);
        }
        catch
        {
            _lab.Dispose();
            throw;
        }
    }

    private LabContainer AddContainer(string role, IPAddress v4, IPAddress v6)
    {
        bool first = _lab.HostLinks.TryGetLink(Bridge) is null;
        var c = _lab.AddContainer(role, v4, 24, Gw, bridge: Bridge);
        if (first) _lab.HostLinks.AddAddress(Bridge, Gw6, 64);
        using var inside = RtNetlink.Open(c.Namespace);
        inside.AddAddress("eth0", v6, 64);
        inside.AddRoute(null, 0, Gw6);
        return c;
    }

    private DataPathMaps6 Maps6 => _dp!.Maps6;

    /// <summary>Loads and attaches the data path in the fake host; both families known, both ports published.</summary>
    private void StartDataPath()
    {
        _dp = _lab.Host.Run(() => DataPathProgram.Load(new DataPathOptions { PinDirectory = _pins }, _lab.Host.Cookie));
        var uplink = (uint)_lab.UplinkIndex;
        var bridge = (uint)_lab.HostLinks.IndexOf(Bridge);
        _dp.Maps.AddHostAddress(Lab.HostAddress, uplink);
        _dp.Maps.AddHostAddress(Gw, bridge);
        _dp.Maps.SetNetwork(IPAddress.Parse("198.19.1.0"), 24, 1, Gw, NetworkFlags.Icc | NetworkFlags.Masquerade);
        _dp.Maps.SetMasqueradeAddress(uplink, Lab.HostAddress);
        Maps6.AddHostAddress(HostV6, uplink);
        Maps6.AddHostAddress(Gw6, bridge);
        Maps6.SetNetwork(IPAddress.Parse("fd00:1::"), 64, 1, Gw6, NetworkFlags.Icc | NetworkFlags.Masquerade);
        _dp.Maps6.SetMasqueradeAddress(uplink, HostV6);
        _lab.Host.Run(() => _dp.AttachUplink((int)uplink));
        Attach(_c1);
        _dp.Maps.AddPortMapping(Tcp4);
        Maps6.AddPortMapping(Tcp6);
        Maps6.AddPortMapping(Udp6);
    }

    private void Attach(LabContainer c)
    {
        var bridgeMac = _lab.HostLinks.GetLink(Bridge).Mac!.GetAddressBytes();
        var v6 = IPAddress.Parse(c.Address.ToString().Replace("198.19.1.", "fd00:1::"));
        _dp!.Maps.SetEndpoint(c.Address, (uint)c.HostVethIndex, 1, c.Mac.GetAddressBytes(), bridgeMac);
        Maps6.SetEndpoint(v6, (uint)c.HostVethIndex, 1, c.Mac.GetAddressBytes(), bridgeMac);
        _lab.Host.Run(() => _dp.AttachEndpoint(c.HostVethIndex));
    }

    /// <summary>iperf3 from <paramref name="from"/> (null: the external client) to target:port; the
    /// server's own output says which client address it saw.</summary>
    private (bool Ok, string Client, string Server) Iperf(LabContainer? from, string target, int port, string extra = "")
    {
        var server = _lab.StartIn(_c1.Namespace, "iperf3", $"-s -1 -p {ServerPort}");
        Lab.AwaitListener(_c1.Namespace, ServerPort);
        var (code, output) = Lab.RunIn(from?.Namespace ?? _lab.External, "iperf3", $"-c {target} -p {port} -t 1 -f m --connect-timeout 1500 {extra}", TimeSpan.FromSeconds(12));
        var serverOutput = Lab.OutputOf(server);
        return (code == 0 && output.Contains("receiver"), output, serverOutput);
    }

    [PrivilegedFact]
    public void PublishedPort6_TcpFromExternal_ReachesContainerWithClientAddressKept()
    {
        StartDataPath();

        var (ok, client, server) = Iperf(null, HostV6.ToString(), PublishedPort);

        Assert.True(ok, client);
        Assert.Contains($"Accepted connection from {ExternalV6}", server);
        Assert.True(_dp!.Maps.MappingCounters(Tcp6.Id).Packets > 100);
        Assert.Contains(Maps6.ConntrackEntries(), e => ((CtFlags)e.Value.Flags).HasFlag(CtFlags.Dnat | CtFlags.SeenReply) && e.Value.MappingId == Tcp6.Id);
        Assert.DoesNotContain(_dp.Maps.ConntrackEntries(), e => e.Value.MappingId == Tcp6.Id); // IPv6 flows only in dp_ct6
        _output.WriteLine(client);
    }

    /// <summary>A batch of IPv6 mappings with one port already published: refused naming it, nothing written,
    /// whether the check looks key by key or walks the map.</summary>
    [PrivilegedTheory]
    [InlineData(3)]
    [InlineData(2_000)]
    public void AddPortMappings6_OneHostPortAlreadyPublished_RefusedNamingItMapUnchanged(int count)
    {
        StartDataPath();
        var batch = Batch6(count);
        batch[count / 2] = batch[count / 2] with { Port = batch[count / 2].Port with { HostPort = PublishedPort } };
        var before = Maps6.PortMappings();

        var e = Assert.Throws<InteropException>(() => Maps6.AddPortMappings(batch));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Contains($"tcp [::]:{PublishedPort} is already published", e.Message);
        Assert.Equal(before.Count, Maps6.PortMappings().Count);
    }

    /// <summary>2,000 IPv6 ports in one batch write, and gone again with one removal.</summary>
    [PrivilegedFact]
    public void AddPortMappings6_ThenRemovePortMappings6_AllWrittenThenAllGone()
    {
        StartDataPath();
        var batch = Batch6(2_000);
        int before = Maps6.PortMappings().Count;

        Maps6.AddPortMappings(batch);
        Assert.Equal(before + batch.Count, Maps6.PortMappings().Count);
        Assert.Contains(Maps6.PortMappings(), m => m.Port.HostPort == 11_999 && m.Id == 2_099);

        Maps6.RemovePortMappings(batch);
        Assert.Equal(before, Maps6.PortMappings().Count);
    }

    private static List<PortMapping> Batch6(int count) => [.. Enumerable.Range(0, count)
        .Select(i => Mappings.Of((uint)(100 + i), IPAddress.IPv6Any, DataPathAbi.ProtoTcp, (ushort)(10_000 + i), Ctr6, 80))];

    [PrivilegedFact]
    public void PublishedPort6_UdpFromExternal_ReachesContainer()
    {
        StartDataPath();

        var (ok, client, _) = Iperf(null, HostV6.ToString(), PublishedPort, "-u -b 20M -l 1200");

        Assert.True(ok, client);
        Assert.True(_dp!.Maps.MappingCounters(Udp6.Id).Packets > 100);
    }

    /// <summary>UDP datagrams larger than the MTU (4000 bytes: IPv6 fragments) in through a published port and
    /// out through NAT66: every datagram arrives (iperf3's receiver counts no loss), no fragment dropped.</summary>
    [PrivilegedFact]
    public void Udp6_OversizeDatagrams_InThroughPublishedPortAndOutThroughNat66_NoneLost()
    {
        StartDataPath();
        ulong FragmentDrops() => _dp!.Maps.Drops()[DropReason.FragNoState].Packets + _dp.Maps.Drops()[DropReason.Fragment].Packets;
        var before = FragmentDrops();

        var (inOk, inClient, _) = Iperf(null, HostV6.ToString(), PublishedPort, "-u -b 10M -l 4000");
        Assert.True(inOk, inClient);
        Assert.Matches(@" 0/[1-9]\d* \(0%\)\s+receiver", inClient);

        var server = _lab.StartIn(_lab.External, "iperf3", $"-s -1 -p {ExternalPort}");
        Lab.AwaitListener(_lab.External, ExternalPort);
        var (outCode, outClient) = Lab.RunIn(_c1.Namespace, "iperf3", $"-c {ExternalV6} -p {ExternalPort} -u -b 10M -l 4000 -t 1 --connect-timeout 1500", TimeSpan.FromSeconds(12));
        Assert.True(outCode == 0, outClient);
        Assert.Matches(@" 0/[1-9]\d* \(0%\)\s+receiver", outClient);
        Assert.Contains($"Accepted connection from {HostV6}", Lab.OutputOf(server));
        Assert.Equal(before, FragmentDrops());
    }

    /// <summary>One host port, published on 0.0.0.0 and [::]: each family reaches the container through its own mapping.</summary>
    [PrivilegedFact]
    public void SamePort_BothFamilies_EachAnsweredThroughItsMapping()
    {
        StartDataPath();

        var v4 = Iperf(null, Lab.HostAddress.ToString(), PublishedPort);
        var v6 = Iperf(null, HostV6.ToString(), PublishedPort);

        Assert.True(v4.Ok, v4.Client);
        Assert.True(v6.Ok, v6.Client);
        Assert.Contains($"Accepted connection from {Lab.ExternalAddress}", v4.Server);
        Assert.Contains($"Accepted connection from {ExternalV6}", v6.Server);
        Assert.True(_dp!.Maps.MappingCounters(Tcp4.Id).Packets > 100);
        Assert.True(_dp.Maps.MappingCounters(Tcp6.Id).Packets > 100);
    }

    [PrivilegedFact]
    public void DirectRoute6_ToContainerAddress_DroppedAndCounted()
    {
        StartDataPath();

        var (ok, client, _) = Iperf(null, Ctr6.ToString(), ServerPort);

        Assert.False(ok, client);
        Assert.True(_dp!.Maps.Drops()[DropReason.DirectRouted].Packets > 0);
    }

    [PrivilegedFact]
    public void Hairpin6_ContainerToPublishedPortOfHost_ReachesTheOtherContainer()
    {
        StartDataPath();
        var c2 = AddContainer("c2", IPAddress.Parse("198.19.1.3"), IPAddress.Parse("fd00:1::3"));
        Attach(c2);

        var (ok, client, server) = Iperf(c2, HostV6.ToString(), PublishedPort);

        Assert.True(ok, client);
        Assert.Contains("Accepted connection from fd00:1::3", server);
        Assert.Contains(Maps6.ConntrackEntries(), e => ((CtFlags)e.Value.Flags).HasFlag(CtFlags.Hairpin));
    }

    /// <summary>NAT66: a container on fd00:1::/64 reaches the external client, which sees the uplink's address;
    /// the replies find their way back through the masqueraded flow.</summary>
    [PrivilegedFact]
    public void Nat66_TcpFromContainerToExternal_ExternalSeesUplinkAddress()
    {
        StartDataPath();
        var server = _lab.StartIn(_lab.External, "iperf3", $"-s -1 -p {ExternalPort}");
        Lab.AwaitListener(_lab.External, ExternalPort);

        var (code, output) = Lab.RunIn(_c1.Namespace, "iperf3", $"-c {ExternalV6} -p {ExternalPort} -t 1 -f m --connect-timeout 1500", TimeSpan.FromSeconds(12));

        Assert.True(code == 0 && output.Contains("receiver"), output);
        Assert.Contains($"Accepted connection from {HostV6}", Lab.OutputOf(server));
        Assert.Contains(Maps6.ConntrackEntries(), e => (CtFlags)e.Value.Flags == (CtFlags.Snat | CtFlags.SeenReply) && e.Key.Proto == DataPathAbi.ProtoTcp);
        _output.WriteLine(output);
    }

    [PrivilegedFact]
    public void Nat66_PingFromContainerToExternal_EchoRepliesComeBack()
    {
        StartDataPath();

        var (code, output) = Lab.RunIn(_c1.Namespace, "ping", $"-6 -c 2 -i 0.2 -W 2 {ExternalV6}", TimeSpan.FromSeconds(10));

        Assert.True(code == 0, output);
        Assert.Contains(Maps6.ConntrackEntries(), e => e.Key.Proto == DataPathAbi.ProtoIcmpV6 && ((CtFlags)e.Value.Flags).HasFlag(CtFlags.Snat | CtFlags.SeenReply));
    }

    /// <summary>A container reaches its own published port through the host's address: its source becomes
    /// the gateway's, so its own answer goes back through the data path.</summary>
    [PrivilegedFact]
    public void SelfHairpin6_ContainerToItsOwnPublishedPort_SeenFromTheGateway()
    {
        StartDataPath();

        var (ok, client, server) = Iperf(_c1, HostV6.ToString(), PublishedPort);

        Assert.True(ok, client);
        Assert.Contains($"Accepted connection from {Gw6}", server);
        Assert.Contains(Maps6.ConntrackEntries(), e => (CtFlags)e.Value.Flags == (CtFlags.Dnat | CtFlags.Snat | CtFlags.Hairpin | CtFlags.SeenReply));
    }

    /// <summary>A datagram to a published UDP port nobody listens on: the container's "port unreachable" is
    /// translated (outer header and quote), so the client's connected socket sees the refusal.</summary>
    [PrivilegedFact]
    public void IcmpError6_PortUnreachableFromContainer_ClientSocketRefused()
    {
        StartDataPath();

        var error = _lab.External.Run(() =>
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 3000 };
            s.Connect(new IPEndPoint(HostV6, PublishedPort));
            s.Send("anyone there?"u8);
            try
            {
                s.Receive(new byte[64]);
                return SocketError.Success;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
        });

        Assert.Equal(SocketError.ConnectionRefused, error);
        Assert.True(_dp!.Maps.MappingCounters(Udp6.Id).Packets >= 2); // the datagram and the error about it
    }

    /// <summary>With the uplink's XDP fast path on (and XDP on the container's end to accept its redirects), an
    /// IPv6 TCP flow to a published port is carried by XDP once tc created it. The external client sends full
    /// checksums (tx offload off on its veth), as a physical uplink delivers them (bpf/README.md).</summary>
    [PrivilegedFact]
    public void Xdp6_PublishedPortTcpFlow_CarriedByTheFastPath()
    {
        StartDataPath();
        var (tx, ethtool) = Lab.RunIn(_lab.External, "ethtool", "-K eth0 tx off");
        Assert.True(tx == 0, ethtool);
        _lab.Host.Run(() => _dp!.AttachUplinkXdp(_lab.UplinkIndex));
        int eth0;
        using (var inside = RtNetlink.Open(_c1.Namespace)) eth0 = inside.IndexOf("eth0");
        _c1.Namespace.Run(() => _dp!.AttachContainerXdp(eth0));

        var (ok, client, server) = Iperf(null, HostV6.ToString(), PublishedPort);

        Assert.True(ok, client);
        Assert.Contains($"Accepted connection from {ExternalV6}", server);
        var xdp = new DataPathReader(_dp!.Object).Forwarded().Single(f => f.Path == ForwardPath.Xdp).Counter;
        Assert.True(xdp.Packets > 100, $"{xdp.Packets} packets through XDP");
        _output.WriteLine($"{xdp.Packets} packets through XDP; {client}");
    }

    public void Dispose()
    {
        try
        {
            _lab.Dispose();
        }
        finally
        {
            _dp?.Dispose();
            DataPathProgram.RemovePins(_pins);
        }
    }
}
