using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Model;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Dns;

/// <summary>
/// The resolver in-process against real namespaces: a sandbox routed through the lab's fake host to an
/// upstream stub in the external namespace. Forwarded queries must leave from the sandbox (the stub
/// sees the sandbox's address), keep their transport, and fail as SERVFAIL when no server answers.
/// </summary>
public class EmbeddedResolverTests
{
    private static readonly IPAddress SandboxAddress = IPAddress.Parse("198.18.1.2");
    private static readonly IPAddress Silent = IPAddress.Parse("198.18.0.9"); // on the uplink's subnet, nobody there

    [PrivilegedFact]
    public void Forward_UdpAndTcpFromTheSandbox_RelaysTheUpstreamsAnswers()
    {
        using var lab = new Lab();
        var sandbox = lab.AddContainer("sbx", SandboxAddress, 24, IPAddress.Parse("198.18.1.1"));
        using var stub = new UpstreamStub(lab.External, IPAddress.Any);
        using var resolver = new EmbeddedResolver(() => StateDocument.Empty);
        resolver.Attach("c1", sandbox.Namespace, [new Upstream(Lab.ExternalAddress)]);

        var udp = DnsProbe.Ask(sandbox.Namespace, "ext.test", RecordType.A);
        Assert.Equal([UpstreamStub.ExtAddress.ToString()], DnsProbe.Addresses(udp));
        var tcp = DnsProbe.Ask(sandbox.Namespace, "ext.test", RecordType.A, tcp: true);
        Assert.Equal([UpstreamStub.ExtAddress.ToString()], DnsProbe.Addresses(tcp));
        Assert.Equal(["Udp ext.test A from 198.18.1.2", "Tcp ext.test A from 198.18.1.2"], stub.Seen); // from the sandbox, over the transport the client used

        Assert.Equal(ReturnCode.NxDomain, DnsProbe.Ask(sandbox.Namespace, "nothing.test", RecordType.A).ReturnCode);

        // Too big for UDP: truncated there (the client retries over TCP), whole over TCP.
        var truncated = DnsProbe.Ask(sandbox.Namespace, "big.test", RecordType.A);
        Assert.True(truncated.IsTruncated);
        Assert.Equal(UpstreamStub.BigCount, DnsProbe.Addresses(DnsProbe.Ask(sandbox.Namespace, "big.test", RecordType.A, tcp: true)).Count);

        Assert.True(resolver.Detach("c1"));
        Assert.Empty(resolver.Attached);
        Assert.ThrowsAny<SocketException>(() => DnsProbe.Ask(sandbox.Namespace, "ext.test", RecordType.A, timeoutMs: 2000));
    }

    [PrivilegedFact]
    public void Forward_UpstreamSilent_NextServerThenServfailInBoundedTime()
    {
        using var lab = new Lab();
        var sandbox = lab.AddContainer("sbx", SandboxAddress, 24, IPAddress.Parse("198.18.1.1"));
        var other = lab.AddContainer("sbx2", IPAddress.Parse("198.18.2.2"), 24, IPAddress.Parse("198.18.2.1"));
        using var stub = new UpstreamStub(lab.External, IPAddress.Any);
        using var resolver = new EmbeddedResolver(() => StateDocument.Empty);
        resolver.Attach("c1", sandbox.Namespace, [new Upstream(Silent), new Upstream(Lab.ExternalAddress)]);
        resolver.Attach("c2", other.Namespace, [new Upstream(Silent)]);

        var watch = Stopwatch.StartNew();
        Assert.Equal([UpstreamStub.ExtAddress.ToString()], DnsProbe.Addresses(DnsProbe.Ask(sandbox.Namespace, "ext.test", RecordType.A)));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, EmbeddedResolver.UpstreamTimeout * 3);

        watch.Restart();
        var failed = DnsProbe.Ask(other.Namespace, "ext.test", RecordType.A);
        Assert.Equal(ReturnCode.ServerFailure, failed.ReturnCode);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, EmbeddedResolver.UpstreamTimeout * 3);
    }
}
