using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;
using static Dataplane.Tests.EndToEnd.DataPathLab;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// Real packets between namespaces through the product's data path: published ports (TCP, UDP,
/// iperf3), masquerade, hairpin, host-local access through the socket hooks, isolation, and what
/// removing a mapping does. The fake host carries no iptables or nftables rule at all.
/// </summary>
public sealed partial class PublishedPortTests(DataPathLab lab, ITestOutputHelper output) : IClassFixture<DataPathLab>
{
    private static PortMapping Tcp(uint id, ushort hostPort, IPAddress ctr, ushort port) => Mappings.Of(id, null, DataPathAbi.ProtoTcp, hostPort, ctr, port);

    [PrivilegedFact]
    public void Tcp_Iperf3ThroughPublishedPort_ClientAddressPreservedAndCounted()
    {
        var mapping = Tcp(11, 8080, C1, 5201);
        lab.Host.PortMap.AddPortMappings([mapping]);
        try
        {
            var server = lab.Lab.StartServer(lab.Ns1, "iperf3 -s -1 -p 5201", 5201);
            var (exit, client) = Sh(lab.Lab.External, $"iperf3 -c {Lab.HostAddress} -p 8080 -t 2 -f m --connect-timeout 3000");
            var log = Lab.OutputOf(server);
            Assert.True(exit == 0, client);
            Assert.Contains($"Accepted connection from {Lab.ExternalAddress}", log); // the client's source address is kept
            var mbits = ParseReceiverMbits(client);
            output.WriteLine($"iperf3 through published port 8080 -> {C1}:5201: {mbits} Mbit/s");
            Assert.True(mbits > 0);
            Assert.True(lab.Host.Counters.MappingCounters(mapping.Id).Packets > 100);
        }
        finally
        {
            lab.Host.PortMap.RemovePortMappings([mapping]);
        }
    }

    [PrivilegedFact]
    public void Udp_ThroughPublishedPort_DatagramArrives()
    {
        var mapping = Mappings.Of(12, null, DataPathAbi.ProtoUdp, 5353, C1, 53);
        lab.Host.PortMap.AddPortMappings([mapping]);
        try
        {
            var server = lab.Lab.StartServer(lab.Ns1, "timeout 5 nc -u -l -W 1 53", 53, udp: true);
            var (exit, client) = Sh(lab.Lab.External, $"echo dataplane-udp | nc -u -w 1 {Lab.HostAddress} 5353");
            Assert.True(exit == 0, client);
            Assert.Contains("dataplane-udp", Lab.OutputOf(server));
        }
        finally
        {
            lab.Host.PortMap.RemovePortMappings([mapping]);
        }
    }

    [PrivilegedFact]
    public void Masquerade_ContainerToOutside_ExternalSeesTheHostAddress()
    {
        var server = lab.Lab.StartServer(lab.Lab.External, "iperf3 -s -1 -p 5202", 5202);
        var (exit, client) = Sh(lab.Ns1, $"iperf3 -c {Lab.ExternalAddress} -p 5202 -t 1 -f m --connect-timeout 3000");
        var log = Lab.OutputOf(server);
        Assert.True(exit == 0, client);
        Assert.Contains($"Accepted connection from {Lab.HostAddress}", log);
        Assert.DoesNotContain(C1.ToString(), log);
        output.WriteLine($"iperf3 out through masquerade: {ParseReceiverMbits(client)} Mbit/s");
    }

    [PrivilegedFact]
    public void Hairpin_ContainerReachesAnotherContainersPublishedPort()
    {
        var mapping = Tcp(13, 8081, C1, 7001);
        lab.Host.PortMap.AddPortMappings([mapping]);
        try
        {
            var server = lab.Lab.StartServer(lab.Ns1, "timeout 5 nc -l -W 1 7001", 7001);
            var (exit, client) = Sh(lab.Ns2, $"echo hairpin | nc -w 2 -N {Lab.HostAddress} 8081");
            Assert.True(exit == 0, client);
            Assert.Contains("hairpin", Lab.OutputOf(server));
        }
        finally
        {
            lab.Host.PortMap.RemovePortMappings([mapping]);
        }
    }

    [PrivilegedFact]
    public void HostLocal_LoopbackToPublishedPort_ReachesContainerWithoutProxy()
    {
        var mapping = Tcp(14, 8082, C1, 7002);
        lab.Host.PortMap.AddPortMappings([mapping]);
        try
        {
            var server = lab.Lab.StartServer(lab.Ns1, "timeout 5 nc -l -W 1 7002", 7002);
            var (exit, client) = Sh(lab.Lab.Host, $"{lab.Cgroup.EnterCommand} echo via-localhost | nc -w 2 -N 127.0.0.1 8082");
            Assert.True(exit == 0, client);
            Assert.Contains("via-localhost", Lab.OutputOf(server));
        }
        finally
        {
            lab.Host.PortMap.RemovePortMappings([mapping]);
        }
    }

    [PrivilegedFact]
    public void Policy_DirectRoutingAndOtherNetworkAndUnpublishedPort_AreDropped()
    {
        var server = lab.Lab.StartServer(lab.Ns1, "timeout 6 nc -l -k 7003", 7003);
        var before = lab.Host.Counters.Drops();
        Assert.NotEqual(0, Sh(lab.Lab.External, $"nc -z -w 1 {C1} 7003").ExitCode);        // straight to the container IP from outside
        Assert.NotEqual(0, Sh(lab.Ns3, $"nc -z -w 1 {C1} 7003").ExitCode);                 // from another network
        Assert.NotEqual(0, Sh(lab.Lab.External, $"nc -z -w 1 {Lab.HostAddress} 7003").ExitCode); // container port never published
        Assert.Equal(0, Sh(lab.Ns2, $"nc -z -w 1 {C1} 7003").ExitCode);                   // same network, ICC on: allowed
        var after = lab.Host.Counters.Drops();
        Assert.True(after[DropReason.DirectRouted].Packets > before[DropReason.DirectRouted].Packets);
        Assert.True(after[DropReason.InterNetwork].Packets > before[DropReason.InterNetwork].Packets);
        server.Kill(entireProcessTree: true);
    }

    [PrivilegedFact]
    public void RemovingAMapping_CutsNewFlowsAtOnce()
    {
        var mapping = Tcp(15, 8083, C1, 7004);
        lab.Host.PortMap.AddPortMappings([mapping]);
        var server = lab.Lab.StartServer(lab.Ns1, "timeout 8 nc -l -k 7004", 7004);
        Assert.Equal(0, Sh(lab.Lab.External, $"nc -z -w 1 {Lab.HostAddress} 8083").ExitCode);
        lab.Host.PortMap.RemovePortMappings([mapping]);
        Assert.NotEqual(0, Sh(lab.Lab.External, $"nc -z -w 1 {Lab.HostAddress} 8083").ExitCode);
        server.Kill(entireProcessTree: true);
    }

    [PrivilegedFact]
    public void FakeHost_HasNoIptablesOrNftablesRules()
    {
        var (nftExit, nft) = Sh(lab.Lab.Host, "nft list ruleset");
        Assert.Equal(0, nftExit);
        Assert.DoesNotContain("chain", nft);
        var (iptExit, ipt) = Sh(lab.Lab.Host, "iptables-save");
        Assert.Equal(0, iptExit);
        Assert.DoesNotContain("-A ", ipt);
    }

    private static double ParseReceiverMbits(string iperf)
    {
        var m = ReceiverLine().Match(iperf);
        return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"([\d.]+) Mbits/sec\s+(?:\d+\s+)?\s*receiver")]
    private static partial Regex ReceiverLine();
}
