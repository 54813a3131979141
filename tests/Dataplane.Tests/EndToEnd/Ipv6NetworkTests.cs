using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>Dual-stack networks through the real CLI and daemon: network create --ipv6, the container's IPv6
/// address and default route, inspect's IPAM, and IPv6 traffic from the container through the data path.</summary>
public sealed class Ipv6NetworkTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    [PrivilegedFact]
    public void NetworkCreateIpv6_ContainerGetsAddressRouteAndReachesItsGateway()
    {
        d.Ok("network", "create", "--ipv6", "--subnet", "198.18.40.0/24", "--subnet", "fd00:40::/64", "v6net");
        try
        {
            var net = JsonNode.Parse(d.Ok("network", "inspect", "v6net"))!.AsArray()[0]!;
            Assert.True(net["EnableIPv6"]!.GetValue<bool>());
            var config = net["IPAM"]!["Config"]!.AsArray().Select(c => (c!["Subnet"]!.GetValue<string>(), c["Gateway"]!.GetValue<string>())).ToList();
            Assert.Equal([("198.18.40.0/24", "198.18.40.1"), ("fd00:40::/64", "fd00:40::1")], config);

            d.Ok("run", "-d", "--name", "six", "--network", "v6net", "--", "sleep", "30");
            try
            {
                var ctr = JsonNode.Parse(d.Ok("inspect", "six"))!.AsArray()[0]!;
                Assert.Equal("fd00:40::2", ctr["NetworkSettings"]!["Networks"]!["v6net"]!["GlobalIPv6Address"]!.GetValue<string>());
                using (var ns = NetworkNamespace.Open(d.SandboxPrefix + "six"))
                using (var inside = RtNetlink.Open(ns))
                {
                    Assert.Contains(inside.ListAddresses("eth0"), a => a.Address.Equals(IPAddress.Parse("fd00:40::2")) && a.PrefixLength == 64);
                    Assert.Contains(inside.ListRoutes(AddressFamily.InterNetworkV6), r => r.Destination is null && IPAddress.Parse("fd00:40::1").Equals(r.Gateway));
                    // Through dp_veth_in's IPv6 path: the source is the endpoint the daemon registered (else a SPOOFED drop).
                    var (code, ping) = Lab.RunIn(ns, "ping", "-6 -c 1 -W 3 fd00:40::1");
                    Assert.True(code == 0, ping);
                }
            }
            finally
            {
                d.Ok("rm", "-f", "six");
            }
        }
        finally
        {
            d.Ok("network", "rm", "v6net");
        }
    }

    /// <summary>Docker 28: -p without an address publishes on 0.0.0.0 and [::] with one host port when the container
    /// has IPv6; the [::] side answers on the host's IPv6 addresses (here the network's gateway, from another
    /// container: hairpin). An IPv6 host address for an IPv4-only container is refused.</summary>
    [PrivilegedFact]
    public void PublishOnDualStackNetwork_BothFamiliesListedAndIpv6Answers()
    {
        d.Ok("network", "create", "--ipv6", "--subnet", "198.18.42.0/24", "--subnet", "fd00:42::/64", "v6pub");
        try
        {
            d.Ok("run", "-d", "--name", "web6", "--network", "v6pub", "-p", "8086:5201", "--", "iperf3", "-s", "-p", "5201");
            d.Ok("run", "-d", "--name", "cli6", "--network", "v6pub", "--", "sleep", "30");
            try
            {
                Assert.Equal("5201/tcp -> 0.0.0.0:8086\n5201/tcp -> [::]:8086\n", d.Ok("port", "web6"));
                Assert.Contains("0.0.0.0:8086->5201/tcp, [::]:8086->5201/tcp", d.Ok("ps"));
                d.AwaitListener("web6", 5201);
                using var ns = NetworkNamespace.Open(d.SandboxPrefix + "cli6");
                var (code, iperf) = Lab.RunIn(ns, "iperf3", "-c fd00:42::1 -p 8086 -t 1 --connect-timeout 3000");
                Assert.True(code == 0, iperf);

                var refused = d.Cli("run", "-d", "--name", "v4only", "-p", "[::]:8087:80", "--", "sleep", "30");
                Assert.NotEqual(0, refused.ExitCode);
                Assert.Contains("the container has no IPv6 address", refused.Err);
            }
            finally
            {
                d.Cli("rm", "-f", "v4only");
                d.Ok("rm", "-f", "web6");
                d.Ok("rm", "-f", "cli6");
            }
        }
        finally
        {
            d.Ok("network", "rm", "v6pub");
        }
    }

    /// <summary>dockerd's --ipv6 --fixed-cidr-v6 for the default bridge, applied when the daemon (re)starts:
    /// a container there gets an IPv6 address and route, and -p publishes on both families.</summary>
    [PrivilegedFact]
    public void DefaultBridgeIpv6_FixedCidrV6_DualStackContainerAndPorts()
    {
        using var lab = new DaemonLab();
        lab.KillDaemon();
        lab.StartDaemon(extraArgs: "--ipv6 --fixed-cidr-v6 fd00:17::/64");
        var net = JsonNode.Parse(lab.Ok("network", "inspect", "bridge"))!.AsArray()[0]!;
        Assert.True(net["EnableIPv6"]!.GetValue<bool>());
        lab.Ok("run", "-d", "--name", "dual", "-p", "8090:5201", "--", "iperf3", "-s", "-p", "5201");
        var ctr = JsonNode.Parse(lab.Ok("inspect", "dual"))!.AsArray()[0]!;
        Assert.Equal("fd00:17::2", ctr["NetworkSettings"]!["Networks"]!["bridge"]!["GlobalIPv6Address"]!.GetValue<string>());
        Assert.Equal("5201/tcp -> 0.0.0.0:8090\n5201/tcp -> [::]:8090\n", lab.Ok("port", "dual"));
        using var ns = NetworkNamespace.Open(lab.SandboxPrefix + "dual");
        var (code, ping) = Lab.RunIn(ns, "ping", "-6 -c 1 -W 3 fd00:17::1");
        Assert.True(code == 0, ping);
    }

    [PrivilegedTheory]
    [InlineData("fd00:41::/64", "an IPv6 subnet or gateway needs --ipv6 (IPv6 is not enabled on this network)", false)]
    [InlineData("fd00:41::7/64", "invalid subnet fd00:41::7/64: it should be fd00:41::/64", true)]
    [InlineData("fd00:41::/127", "invalid subnet fd00:41::/127: a /127 leaves no room for a gateway and containers", true)]
    public void NetworkCreateIpv6_BadInput_ClearErrorNothingCreated(string subnet6, string message, bool ipv6)
    {
        string[] args = ipv6 ? ["network", "create", "--ipv6", "--subnet", subnet6, "bad6"] : ["network", "create", "--subnet", subnet6, "bad6"];
        var (exit, _, err) = d.Cli(args);

        Assert.NotEqual(0, exit);
        Assert.Contains(message, err);
        Assert.DoesNotContain("bad6", d.Ok("network", "ls"));
    }
}
