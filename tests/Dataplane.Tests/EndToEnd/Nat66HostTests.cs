using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Host;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// NAT66 as the product sets it up: the fake host's uplink has a unique-local and a global IPv6 address
/// when NetworkHost starts; a container of a dual-stack network reaches the external client, which sees
/// the global one (the masquerade source NetworkHost wrote to dp_ifaddr6; the unique-local one would not
/// be routable back from the client).
/// </summary>
public sealed class Nat66HostTests : IDisposable
{
    private static readonly IPAddress HostUla = IPAddress.Parse("fd00:99::1"), HostV6 = IPAddress.Parse("2001:db8::1"), ExternalV6 = IPAddress.Parse("2001:db8::2");
    private static readonly BridgeNetwork Net = new(1, "dp6", IPAddress.Parse("198.19.60.0"), 24, IPAddress.Parse("198.19.60.1"))
    {
        V6 = new BridgeNetworkV6(IPAddress.Parse("fd00:60::"), 64, IPAddress.Parse("fd00:60::1")),
    };
    private const int ExternalPort = 5202;

    private readonly string _prefix = TestNames.Unique("");
    private readonly Lab _lab = null!;
    private readonly NetworkHost _host = null!;

    public Nat66HostTests()
    {
        if (!Privileges.IsRoot) return;
        _lab = new Lab();
        try
        {
            _lab.HostLinks.AddAddress(Lab.Uplink, HostUla, 64);
            _lab.HostLinks.AddAddress(Lab.Uplink, HostV6, 64);
            using (var ext = RtNetlink.Open(_lab.External)) ext.AddAddress("eth0", ExternalV6, 64);
            _host = NetworkHost.Start(new DaemonOptions(Uplinks: [Lab.Uplink], SandboxPrefix: _prefix, SocketHookCgroup: "none")
            {
                Namespace = _lab.Host.Name,
                DataPath = new DataPathOptions { PinDirectory = Path.Combine(BpfFs.DefaultRoot, _prefix + "pins"), ConntrackEntries = 4096 },
            });
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    [PrivilegedFact]
    public void ContainerOnUlaSubnet_TcpToExternal_ExternalSeesTheUplinksGlobalAddress()
    {
        _host.EnsureNetwork(Net);
        var ns = _host.CreateSandbox("n66");
        try
        {
            _host.Connect(ns, Net, IPAddress.Parse("198.19.60.2"), "veth0006601", IPAddress.Parse("fd00:60::2"));
            var server = _lab.StartIn(_lab.External, "iperf3", $"-s -1 -p {ExternalPort}");
            Lab.AwaitListener(_lab.External, ExternalPort);

            var (code, output) = Lab.RunIn(ns, "iperf3", $"-c {ExternalV6} -p {ExternalPort} -t 1 --connect-timeout 1500", TimeSpan.FromSeconds(12));

            Assert.True(code == 0 && output.Contains("receiver"), output);
            Assert.Contains($"Accepted connection from {HostV6}", Lab.OutputOf(server));

            // `conntrack ls` and `flush` see IPv6 flows: iperf3's connections, masqueraded to the global address.
            var flows = _host.DataPath.Maps6.ConntrackFlows().Where(f => f.Original.DestinationPort == ExternalPort).ToList();
            Assert.NotEmpty(flows);
            Assert.All(flows, f => Assert.Equal(("masquerade", IPAddress.Parse("fd00:60::2"), HostV6), (f.Translation, f.Original.Source, f.Reply.Destination)));
            Assert.Equal(flows.Count, _host.DataPath.Maps6.FlushFlows(f => f.Original.DestinationPort == ExternalPort));
            Assert.DoesNotContain(_host.DataPath.Maps6.ConntrackFlows(), f => f.Original.DestinationPort == ExternalPort);
        }
        finally
        {
            ns.Dispose();
            _host.DeleteSandbox("n66");
        }
    }

    public void Dispose()
    {
        if (_host is not null)
        {
            _host.Uninstall();
            _host.Dispose();
        }
        _lab?.Dispose();
    }
}
