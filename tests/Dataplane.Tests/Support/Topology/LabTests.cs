using System.Net;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Support.Topology;

public class LabTests
{
    [PrivilegedFact]
    public void Lab_ExternalReachesHostAndContainersReachGateway_NothingLeftAfterDispose()
    {
        string[] names;
        using (var lab = new Lab())
        {
            var routed = lab.AddContainer("c1", IPAddress.Parse("198.19.1.2"), 24, IPAddress.Parse("198.19.1.1"));
            var bridged = lab.AddContainer("c2", IPAddress.Parse("198.19.2.2"), 24, IPAddress.Parse("198.19.2.1"), bridge: "br-lab");
            names = [lab.Host.Name!, lab.External.Name!, routed.Namespace.Name!, bridged.Namespace.Name!];

            AssertPing(lab.External, "198.18.0.1");
            AssertPing(routed.Namespace, "198.19.1.1");
            AssertPing(bridged.Namespace, "198.19.2.1");
            Assert.Equal("1", Sysctl.Read(lab.Host, "net.ipv4.ip_forward"));
        }
        Assert.All(names, n => Assert.False(NetworkNamespace.Exists(n), $"{n} left behind"));
    }

    private static void AssertPing(NetworkNamespace from, string to)
    {
        var (exit, output) = Lab.RunIn(from, "ping", $"-c1 -W2 {to}");
        Assert.True(exit == 0, $"ping {to} from {from.Name} failed: {output}");
    }

    [Fact]
    public void TestNames_OwnerPid_ParsesOursOnly()
    {
        Assert.Equal(Environment.ProcessId, TestNames.OwnerPid(TestNames.Unique("x")));
        Assert.Null(TestNames.OwnerPid("dp-prod-ns"));
        Assert.Null(TestNames.OwnerPid("dpt-abc-x"));
    }
}
