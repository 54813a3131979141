using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net.Dns;
using Dataplane.ControlPlane.Dns;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.EndToEnd;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Dns;

/// <summary>
/// The real daemon and CLI: containers on user-defined networks find each other through 127.0.0.11
/// (getent in the container, raw UDP and TCP queries from its namespace), only within their networks;
/// other names go to an upstream stub the test runs in the lab's external namespace; the default
/// bridge keeps the legacy resolv.conf and has no resolver socket.
/// </summary>
public class EmbeddedDnsEndToEndTests
{
    private static string Upstream => Lab.ExternalAddress.ToString();

    private static string AddressOf(DaemonLab d, string container) =>
        d.Ok("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container).Trim();

    [PrivilegedFact]
    public void UserNetwork_ContainersResolveEachOtherInScope_OthersForwarded()
    {
        using var d = new DaemonLab();
        using var stub = new UpstreamStub(d.Lab.External, IPAddress.Any);
        d.Ok("network", "create", "--subnet", "198.18.220.0/24", "front");
        d.Ok("network", "create", "--subnet", "198.18.221.0/24", "back");
        d.Ok("run", "-d", "--name", "db", "--network", "front", "--network-alias", "pg", "--dns", Upstream, "sleep", "300");
        d.Ok("run", "-d", "--name", "web", "--network", "front", "--dns", Upstream, "--link", "db:database", "sleep", "300");
        d.Ok("run", "-d", "--name", "other", "--network", "back", "--dns", Upstream, "sleep", "300");
        var db = AddressOf(d, "db");
        var dbShortId = d.Ok("inspect", "-f", "{{.Id}}", "db").Trim()[..12];

        var resolvConf = d.Ok("exec", "web", "cat", "/etc/resolv.conf");
        Assert.StartsWith("nameserver 127.0.0.11\n", resolvConf);
        Assert.Contains("options ndots:0\n", resolvConf);
        Assert.Contains($"# ExtServers: [{Upstream}]", resolvConf);

        foreach (var name in new[] { "db", "pg", "database", dbShortId, "db.front" })
            Assert.Equal(db, d.Ok("exec", "web", "getent", "hosts", name).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Equal(AddressOf(d, "web"), d.Ok("exec", "db", "getent", "hosts", "web").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);

        using var web = NetworkNamespace.Open(d.SandboxPrefix + "web");
        Assert.Equal([db], DnsProbe.Addresses(DnsProbe.Ask(web, "db", RecordType.A)));
        Assert.Equal([db], DnsProbe.Addresses(DnsProbe.Ask(web, "db", RecordType.A, tcp: true)));
        var ptr = DnsProbe.Ask(web, string.Join('.', db.Split('.').Reverse()) + ".in-addr.arpa", RecordType.Ptr);
        Assert.Equal("db.front", Assert.IsType<PtrRecord>(Assert.Single(ptr.AnswerRecords)).PointerDomainName.ToString().TrimEnd('.'));

        // Another network: not in scope, so forwarded, and the upstream does not know it.
        Assert.Equal(2, d.Cli("exec", "other", "getent", "hosts", "db").ExitCode);
        using var other = NetworkNamespace.Open(d.SandboxPrefix + "other");
        Assert.Equal(ReturnCode.NxDomain, DnsProbe.Ask(other, "db", RecordType.A).ReturnCode);
        Assert.Contains("Udp db A from 198.18.0.1", stub.Seen); // through the container's masquerade at the fake host

        // External names: forwarded; too big for UDP, glibc gets TC and asks again over TCP.
        Assert.Equal(UpstreamStub.ExtAddress.ToString(), d.Ok("exec", "web", "getent", "hosts", "ext.test").Split(' ')[0]);
        var big = d.Ok("exec", "web", "getent", "ahostsv4", "big.test").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Distinct().Count();
        Assert.Equal(UpstreamStub.BigCount, big);
        Assert.Contains("Tcp big.test A from 198.18.0.1", stub.Seen);

        // Removal closes the sandbox's resolver: a stopped or removed container is no longer a name.
        d.Ok("rm", "-f", "db");
        Assert.Equal(ReturnCode.NxDomain, DnsProbe.Ask(web, "db", RecordType.A).ReturnCode);
    }

    [PrivilegedFact]
    public void DefaultBridge_LegacyResolvConf_NoResolverSocket()
    {
        using var d = new DaemonLab();
        d.Ok("run", "-d", "--name", "plain", "--dns", Upstream, "sleep", "300");
        Assert.Equal($"nameserver {Upstream}\n", d.Ok("exec", "plain", "cat", "/etc/resolv.conf").Split("search")[0].Split("options")[0]);
        using var plain = NetworkNamespace.Open(d.SandboxPrefix + "plain");
        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => DnsProbe.Ask(plain, "plain", RecordType.A, timeoutMs: 2000));
    }

    [PrivilegedFact]
    public void UpstreamDown_Servfail_InBoundedTime_AndRestartedDaemonServesAgain()
    {
        using var d = new DaemonLab();
        d.Ok("network", "create", "--subnet", "198.18.222.0/24", "lone");
        d.Ok("run", "-d", "--name", "cut", "--network", "lone", "--dns", "198.18.0.9", "sleep", "300"); // nobody at .9
        using var cut = NetworkNamespace.Open(d.SandboxPrefix + "cut");
        var watch = Stopwatch.StartNew();
        Assert.Equal(ReturnCode.ServerFailure, DnsProbe.Ask(cut, "ext.test", RecordType.A).ReturnCode);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, EmbeddedResolver.UpstreamTimeout * 3);

        // A restarted daemon opens the sockets of the sandboxes it adopts.
        d.KillDaemon();
        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => DnsProbe.Ask(cut, "cut", RecordType.A, timeoutMs: 2000));
        d.StartDaemon();
        Assert.Equal([AddressOf(d, "cut")], DnsProbe.Addresses(DnsProbe.Ask(cut, "cut", RecordType.A)));
    }
}
