using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Dataplane.ControlPlane.Model;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// Docker's embedded DNS server for containers on user-defined networks, one for the whole daemon.
/// Each attached sandbox has its sockets on 127.0.0.11:53; the socket a query arrived on tells which
/// container asks. A, AAAA and PTR for the containers in its scope (<see cref="NameScope"/>, read from
/// the daemon's state at query time) are answered here; everything else is forwarded to the sandbox's
/// upstream servers and their answer relayed, or SERVFAIL when none answers in time.
/// </summary>
public sealed class EmbeddedResolver(Func<StateDocument> state) : IDisposable
{
    public static readonly IPAddress Address = IPAddress.Parse("127.0.0.11");

    /// <summary>Docker's respTTL for the names it answers.</summary>
    public const int Ttl = 600;

    /// <summary>Docker's extIOTimeout: how long one upstream server has to answer before the next is asked.</summary>
    public static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(4);

    private readonly ConcurrentDictionary<string, SandboxListener> _sandboxes = new();
    private readonly NamespaceWorker _worker = new();

    /// <summary>Opens the resolver's sockets in <paramref name="sandbox"/> for container <paramref name="containerId"/>.</summary>
    public void Attach(string containerId, NetworkNamespace sandbox, IReadOnlyList<Upstream> upstreams)
    {
        var own = NetworkNamespace.OpenPath(sandbox.Description, sandbox.Name); // the listener holds its own handle
        SandboxListener listener;
        try
        {
            listener = new SandboxListener(_worker, own, upstreams, UpstreamTimeout, (l, query, transport) => AnswerAsync(containerId, l, query, transport));
        }
        catch
        {
            own.Dispose();
            throw;
        }
        if (!_sandboxes.TryAdd(containerId, listener))
        {
            listener.Dispose();
            throw new InvalidOperationException($"the embedded resolver already serves container {containerId}");
        }
    }

    /// <summary>Closes the sandbox's sockets; false when it had none.</summary>
    public bool Detach(string containerId)
    {
        if (!_sandboxes.TryRemove(containerId, out var listener)) return false;
        listener.Dispose();
        return true;
    }

    public IReadOnlyCollection<string> Attached => [.. _sandboxes.Keys];

    private async Task<DnsMessage> AnswerAsync(string containerId, SandboxListener listener, DnsMessage query, TransportProtocol transport)
    {
        if (query.Questions.Count == 1 && AnswerLocally(NameScope.For(state(), containerId), query) is { } local) return local;
        return await ForwardAsync(listener, query, transport);
    }

    /// <summary>The answer for a container's name or address, or null when the query is not about one.</summary>
    internal static DnsMessage? AnswerLocally(NameScope scope, DnsMessage query)
    {
        var q = query.Questions[0];
        if (q.RecordClass != RecordClass.INet) return null;
        if (q.RecordType is RecordType.A or RecordType.Aaaa)
        {
            var endpoints = scope.Lookup(q.Name.ToString());
            if (endpoints.Count == 0) return null;
            var family = q.RecordType == RecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
            // A name known without an address of this family gets an empty answer, not a forward (Docker's ipv6Miss).
            var reply = Reply(query);
            foreach (var address in endpoints.Select(e => e.Address(family)).OfType<IPAddress>().OrderBy(_ => Random.Shared.Next()))
                reply.AnswerRecords.Add(family == AddressFamily.InterNetwork ? new ARecord(q.Name, Ttl, address) : new AaaaRecord(q.Name, Ttl, address));
            return reply;
        }
        if (q.RecordType == RecordType.Ptr && ReverseName.Parse(q.Name) is { } ip && scope.PointerOf(ip) is { } name)
        {
            var reply = Reply(query);
            reply.AnswerRecords.Add(new PtrRecord(q.Name, Ttl, DomainName.Parse(name)));
            return reply;
        }
        return null;
    }

    private static async Task<DnsMessage> ForwardAsync(SandboxListener listener, DnsMessage query, TransportProtocol transport)
    {
        var client = transport == TransportProtocol.Tcp ? listener.Tcp : listener.Udp;
        ushort id = query.TransactionID; // the client library gives the forwarded copy an id of its own
        DnsMessage? response;
        try
        {
            response = await client.SendMessageAsync(query);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            response = null;
        }
        query.TransactionID = id;
        if (response is null)
        {
            var failure = Reply(query);
            failure.ReturnCode = ReturnCode.ServerFailure;
            return failure;
        }
        response.TransactionID = id;
        return response;
    }

    private static DnsMessage Reply(DnsMessage query)
    {
        var reply = query.CreateResponseInstance();
        reply.IsRecursionAllowed = true;
        return reply;
    }

    public void Dispose()
    {
        foreach (var id in _sandboxes.Keys) Detach(id);
        _worker.Dispose();
    }
}
