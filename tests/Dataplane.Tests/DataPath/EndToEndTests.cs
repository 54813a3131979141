using System.Net;
using System.Text.RegularExpressions;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// Real traffic across namespaces (the shared Lab: fake host, external client, containers on a
/// bridge) with dp_nat loaded and attached by the product's loader in the fake host, maps seeded
/// directly (the engine-level paths, masquerade included, are in EndToEnd/PublishedPortTests).
/// </summary>
public sealed partial class EndToEndTests : IDisposable
{
    private static readonly IPAddress Ctr = IPAddress.Parse("198.19.1.2"), Gw = IPAddress.Parse("198.19.1.1");
    private const ushort PublishedPort = 8080, ServerPort = 5201;

    private readonly ITestOutputHelper _output;
    private readonly Lab _lab;
    private readonly LabContainer _c1;
    private readonly string _pins = Path.Combine(BpfFs.DefaultRoot, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    private DataPathProgram? _dp;

    public EndToEndTests(ITestOutputHelper output)
    {
        _output = output;
        _lab = new Lab();
        try
        {
            _c1 = _lab.AddContainer("c1", Ctr, 24, Gw, bridge: "dpbr0");
        }
        catch
        {
            _lab.Dispose();
            throw;
        }
    }

    private DataPathMaps Maps => _dp!.Maps;

    /// <summary>Loads and attaches the data path in the fake host, as the daemon would.</summary>
    private void StartDataPath()
    {
        _dp = _lab.Host.Run(() => DataPathProgram.Load(new DataPathOptions { PinDirectory = _pins }, _lab.Host.Cookie));
        var uplink = _lab.UplinkIndex;
        var bridgeMac = _lab.HostLinks.GetLink("dpbr0").Mac!.GetAddressBytes();
        Maps.AddHostAddress(Lab.HostAddress, (uint)uplink);
        Maps.AddHostAddress(Gw, (uint)_lab.HostLinks.IndexOf("dpbr0"));
        Maps.SetNetwork(IPAddress.Parse("198.19.1.0"), 24, 1, Gw, NetworkFlags.Icc | NetworkFlags.Masquerade);
        Maps.SetEndpoint(Ctr, (uint)_c1.HostVethIndex, 1, _c1.Mac.GetAddressBytes(), bridgeMac);
        Maps.SetMasqueradeAddress((uint)uplink, Lab.HostAddress);
        Maps.AddPortMapping(Mapping);
        _lab.Host.Run(() =>
        {
            _dp.AttachUplink(uplink);
            _dp.AttachEndpoint(_c1.HostVethIndex);
        });
    }

    private static readonly PortMapping Mapping = Mappings.Of(1, null, DataPathAbi.ProtoTcp, PublishedPort, Ctr, ServerPort);
    private static readonly PortMapping UdpMapping = Mappings.Of(2, null, DataPathAbi.ProtoUdp, PublishedPort, Ctr, ServerPort);

    /// <summary>Another container: on the same bridge (hairpin) or on its own network (isolation).</summary>
    private LabContainer AddEndpoint(string role, string address, string bridge, uint network, string subnet, string gateway, NetworkFlags flags)
    {
        var gw = IPAddress.Parse(gateway);
        var c = _lab.AddContainer(role, IPAddress.Parse(address), 24, gw, bridge);
        Maps.SetNetwork(IPAddress.Parse(subnet), 24, network, gw, flags);
        Maps.AddHostAddress(gw, (uint)_lab.HostLinks.IndexOf(bridge));
        Maps.SetEndpoint(c.Address, (uint)c.HostVethIndex, network, c.Mac.GetAddressBytes(), _lab.HostLinks.GetLink(bridge).Mac!.GetAddressBytes());
        _lab.Host.Run(() => _dp!.AttachEndpoint(c.HostVethIndex));
        return c;
    }

    private (bool Ok, string Output) Iperf(LabContainer? from, string target, int port, int seconds = 2, string extra = "")
    {
        var server = _lab.StartIn(_c1.Namespace, "iperf3", $"-s -1 -p {ServerPort}");
        Lab.AwaitListener(_c1.Namespace, ServerPort);
        var (code, output) = Lab.RunIn(from?.Namespace ?? _lab.External, "iperf3", $"-c {target} -p {port} -t {seconds} -f m --connect-timeout 1500 {extra}", TimeSpan.FromSeconds(seconds + 10));
        if (!server.HasExited) server.Kill();
        return (code == 0 && output.Contains("receiver"), output);
    }

    private static string Rate(string iperf) => ReceiverRate().Match(iperf) is { Success: true } m ? m.Groups[1].Value + " Mbit/s" : "?";

    [GeneratedRegex(@"([\d.]+) Mbits/sec\s+receiver")]
    private static partial Regex ReceiverRate();

    [PrivilegedFact]
    public void PublishedPort_TcpFromExternal_ReachesContainerWithoutAnyFirewallRule()
    {
        var (plainOk, plain) = Iperf(null, Ctr.ToString(), ServerPort); // plain routing, no programs yet
        Assert.True(plainOk, plain);
        StartDataPath();

        var (ok, published) = Iperf(null, Lab.HostAddress.ToString(), PublishedPort);

        Assert.True(ok, published);
        Assert.True(Maps.MappingCounters(Mapping.Id).Packets > 100);
        Assert.Contains(Maps.ConntrackEntries(), e => ((CtFlags)e.Value.Flags).HasFlag(CtFlags.Dnat | CtFlags.SeenReply) && e.Value.MappingId == Mapping.Id);
        Assert.Equal("", Lab.RunIn(_lab.Host, "nft", "list ruleset").Output.Trim());
        Assert.DoesNotContain("-A ", Lab.RunIn(_lab.Host, "iptables-save", "").Output);
        _output.WriteLine($"iperf3 through published port {Lab.HostAddress}:{PublishedPort}: {Rate(published)}; plain routing to {Ctr}: {Rate(plain)}");
    }

    [PrivilegedFact]
    public void DirectRouteAndRemovedMapping_NewFlowsRefused()
    {
        StartDataPath();

        var (direct, directOut) = Iperf(null, Ctr.ToString(), ServerPort, seconds: 1);
        Assert.False(direct, directOut);
        Assert.True(Maps.Drops()[DropReason.DirectRouted].Packets > 0);

        Assert.True(Iperf(null, Lab.HostAddress.ToString(), PublishedPort, seconds: 1).Ok);
        Maps.RemovePortMapping(Mapping);
        Assert.DoesNotContain(Maps.ConntrackEntries(), e => e.Value.MappingId == Mapping.Id);
        Assert.False(Iperf(null, Lab.HostAddress.ToString(), PublishedPort, seconds: 1).Ok);
    }

    [PrivilegedFact]
    public void PublishedPort_UdpFromExternal_ReachesContainer()
    {
        StartDataPath();
        Maps.AddPortMapping(UdpMapping);

        var (ok, output) = Iperf(null, Lab.HostAddress.ToString(), PublishedPort, seconds: 1, extra: "-u -b 50M");

        Assert.True(ok, output);
        Assert.True(Maps.MappingCounters(UdpMapping.Id).Packets > 100);
    }

    [PrivilegedFact]
    public void Hairpin_ContainerToPublishedPortOfHost_ReachesTheOtherContainer()
    {
        StartDataPath();
        var c2 = AddEndpoint("c2", "198.19.1.3", "dpbr0", 1, "198.19.1.0", "198.19.1.1", NetworkFlags.Icc | NetworkFlags.Masquerade);

        var (ok, output) = Iperf(c2, Lab.HostAddress.ToString(), PublishedPort, seconds: 1);

        Assert.True(ok, output);
        Assert.Contains(Maps.ConntrackEntries(), e => ((CtFlags)e.Value.Flags).HasFlag(CtFlags.Hairpin));
    }

    [PrivilegedFact]
    public void Isolation_ContainerOfAnotherNetwork_CannotReachContainerDirectly()
    {
        StartDataPath();
        var c3 = AddEndpoint("c3", "198.19.2.2", "dpbr1", 2, "198.19.2.0", "198.19.2.1", NetworkFlags.Icc | NetworkFlags.Masquerade);

        var (ok, output) = Iperf(c3, Ctr.ToString(), ServerPort, seconds: 1);

        Assert.False(ok, output);
        Assert.True(Maps.Drops()[DropReason.InterNetwork].Packets > 0);
    }

    public void Dispose()
    {
        try
        {
            _lab.Dispose(); // links and namespaces go first: tc attachments with them
        }
        finally
        {
            _dp?.Dispose();
            DataPathProgram.RemovePins(_pins);
        }
    }
}
