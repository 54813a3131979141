using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>The real daemon and CLI: a process of the host (in the daemon's socket-hook cgroup) reaches an IPv6
/// container's published ports through [::1] and a host IPv6 address with no proxy in between.</summary>
public sealed class Ipv6LocalhostTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    [PrivilegedFact]
    public void HostProcess_LoopbackAndHostAddressToPublishedPorts_ReachContainer()
    {
        d.Ok("network", "create", "--ipv6", "--subnet", "198.18.44.0/24", "--subnet", "fd00:44::/64", "v6lo");
        try
        {
            d.Ok("run", "-d", "--name", "lo6", "--network", "v6lo", "-p", "8090:5201", "-p", "[::1]:8091:5201", "--", "iperf3", "-s", "-p", "5201");
            try
            {
                Assert.Contains("[::1]:8091", d.Ok("port", "lo6"));
                d.AwaitListener("lo6", 5201);
                foreach (var (target, port) in new[] { ("::1", 8090), ("::1", 8091), ("fd00:44::1", 8090) })
                {
                    var (code, output) = Lab.RunIn(d.Lab.Host, "sh",
                        $"-c \"{d.Cgroup.EnterCommand} iperf3 -6 -c {target} -p {port} -t 1 --connect-timeout 3000\"", TimeSpan.FromSeconds(15));
                    Assert.True(code == 0 && output.Contains("receiver"), $"[{target}]:{port}: {output}");
                }
            }
            finally
            {
                d.Ok("rm", "-f", "lo6");
            }
        }
        finally
        {
            d.Ok("network", "rm", "v6lo");
        }
    }
}
