using System.Net;
using ARSoft.Tools.Net.Dns;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// The embedded resolver's presence in one sandbox: a UDP and a TCP socket on 127.0.0.11:53 inside
/// its namespace, served by the library's async server loop on the daemon's thread pool (no thread
/// or process of its own), and the clients that forward its queries from the same namespace.
/// </summary>
internal sealed class SandboxListener : IDisposable
{
    private readonly NetworkNamespace _sandbox;
    private readonly DnsServer _server;

    public SandboxListener(NamespaceWorker worker, NetworkNamespace sandbox, IReadOnlyList<Upstream> upstreams, TimeSpan upstreamTimeout,
        Func<SandboxListener, DnsMessage, TransportProtocol, Task<DnsMessage>> answer)
    {
        _sandbox = sandbox;
        Upstreams = upstreams;
        var servers = upstreams.Select(u => u.Address).ToList();
        int timeoutMs = (int)upstreamTimeout.TotalMilliseconds;
        // Queries are forwarded over the transport they came in on. An answer too big for UDP is fetched
        // again over TCP by the library, then truncated (TC set) by the server loop to fit the client's
        // UDP size, and the client asks again over TCP, which is forwarded over TCP: what the container
        // sees is Docker's relay of the upstream's truncated answer.
        Udp = new DnsClient(servers, [new SandboxUdpTransport(worker, sandbox), new NamespacedClientTransport(worker, sandbox, new TcpClientTransport(53))], true, timeoutMs);
        Tcp = new DnsClient(servers, [new NamespacedClientTransport(worker, sandbox, new TcpClientTransport(53))], true, timeoutMs);
        var endpoint = new IPEndPoint(EmbeddedResolver.Address, 53);
        var udp = new NamespacedServerTransport(sandbox, () => new UdpServerTransport(endpoint, timeoutMs));
        NamespacedServerTransport tcp;
        try
        {
            tcp = new NamespacedServerTransport(sandbox, () => new TcpServerTransport(endpoint, timeoutMs, timeoutMs));
        }
        catch
        {
            udp.Dispose();
            throw;
        }
        _server = new DnsServer(udp, tcp);
        _server.QueryReceived += async (_, e) =>
        {
            if (e.Query is DnsMessage query) e.Response = await answer(this, query, e.TransportProtocol);
        };
        _server.Start();
    }

    public IReadOnlyList<Upstream> Upstreams { get; }

    /// <summary>Forwards over UDP; the library tries each server in turn, the next on a timeout or SERVFAIL.</summary>
    public DnsClient Udp { get; }

    public DnsClient Tcp { get; }

    public void Dispose()
    {
        _server.Stop();
        ((IDisposable)_server).Dispose();
        ((IDisposable)Udp).Dispose();
        ((IDisposable)Tcp).Dispose();
        _sandbox.Dispose();
    }
}
