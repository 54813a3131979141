using System.Collections.Concurrent;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Dataplane.ControlPlane.Dns;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Dns;

/// <summary>
/// An upstream DNS server the tests run in a namespace of their own (never the machine's resolver):
/// ext.test has one address, big.test forty (too many for 512 bytes of UDP), anything else NXDOMAIN.
/// It records each question with the protocol it came over.
/// </summary>
public sealed class UpstreamStub : IDisposable
{
    public static readonly IPAddress ExtAddress = IPAddress.Parse("198.18.5.5");
    public const int BigCount = 40;
    private readonly DnsServer _server;

    public UpstreamStub(NetworkNamespace ns, IPAddress bind)
    {
        var endpoint = new IPEndPoint(bind, 53);
        _server = new DnsServer(
            new NamespacedServerTransport(ns, () => new UdpServerTransport(endpoint, 2000)),
            new NamespacedServerTransport(ns, () => new TcpServerTransport(endpoint, 2000, 2000)));
        _server.QueryReceived += (_, e) =>
        {
            if (e.Query is not DnsMessage query || query.Questions.Count != 1) return Task.CompletedTask;
            var q = query.Questions[0];
            Seen.Enqueue($"{e.TransportProtocol} {q.Name.ToString().TrimEnd('.')} {q.RecordType} from {e.RemoteEndpoint.Address}");
            var reply = query.CreateResponseInstance();
            reply.IsRecursionAllowed = true;
            var name = q.Name.ToString().TrimEnd('.').ToLowerInvariant();
            if (name == "ext.test" && q.RecordType == RecordType.A) reply.AnswerRecords.Add(new ARecord(q.Name, 30, ExtAddress));
            else if (name == "big.test" && q.RecordType == RecordType.A)
                for (int i = 1; i <= BigCount; i++) reply.AnswerRecords.Add(new ARecord(q.Name, 30, IPAddress.Parse($"198.18.6.{i}")));
            else if (name is not ("ext.test" or "big.test")) reply.ReturnCode = ReturnCode.NxDomain;
            e.Response = reply;
            return Task.CompletedTask;
        };
        _server.Start();
    }

    /// <summary>"Udp NAME TYPE from ADDRESS" (or Tcp) per question received.</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    public void Dispose()
    {
        _server.Stop();
        ((IDisposable)_server).Dispose();
    }
}
