using System.Net;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Sandbox;

namespace Dataplane.Tests.Dns;

public class InternalResolvConfTests
{
    [Fact]
    public void Build_HostFile_NameserverIs127_0_0_11WithHostSearchAndNdots0()
    {
        var host = "# managed\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example lab.example\noptions edns0 ndots:2 trust-ad\n";
        Assert.Equal(
            "nameserver 127.0.0.11\nsearch corp.example lab.example\noptions edns0 trust-ad ndots:0\n\n" +
            "# Based on host file: '/etc/resolv.conf' (internal resolver)\n# ExtServers: [host(127.0.0.53) 10.0.0.2]\n# Overrides: []\n# Option ndots from: internal\n",
            InternalResolvConf.Build(host, []));
    }

    [Fact]
    public void Build_WithDns_ServersAreUpstreamsAndOverridden()
    {
        var text = InternalResolvConf.Build("nameserver 10.0.0.2\n", [IPAddress.Parse("198.18.0.2")]);
        Assert.StartsWith("nameserver 127.0.0.11\noptions ndots:0\n", text);
        Assert.Contains("# ExtServers: [198.18.0.2]\n# Overrides: [nameservers]\n", text);
        Assert.DoesNotContain("10.0.0.2", text);
    }

    [Fact]
    public void Upstreams_NoHostNameserver_FallsBackToGoogleAndKeepsThree()
    {
        Assert.Equal(["8.8.8.8", "8.8.4.4"], Upstreams.For([], "search x\n").Select(u => u.ToString()));
        Assert.Equal(3, Upstreams.For(["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], "").Count);
        Assert.True(Upstreams.For([], "nameserver 127.0.0.53\n")[0].HostLoopback);
    }
}
