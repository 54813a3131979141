using System.Net;
using ARSoft.Tools.Net.Dns;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// One of the library's client transports whose sockets are created in the sandbox's network
/// namespace, so a forwarded query leaves by the container's own egress path (its route, the
/// masquerade at its veth), as Docker dials from inside the container. A loopback server is the
/// host's own and is dialled from the daemon's namespace, as Docker's HostLoopback. Connections are
/// never pooled: each query gets its own socket and source port, as in Docker.
/// </summary>
internal sealed class NamespacedClientTransport(NamespaceWorker worker, NetworkNamespace sandbox, IClientTransport inner) : IClientTransport
{
    public ushort MaximumAllowedQuerySize => inner.MaximumAllowedQuerySize;
    public bool SupportsReliableTransfer => inner.SupportsReliableTransfer;
    public bool SupportsMulticastTransfer => false;
    public bool SupportsPooledConnections => false;

    // The library creates the socket in the synchronous part of ConnectAsync (before its first await):
    // that part runs on the worker inside the namespace, the rest wherever the await resumes.
    public Task<IClientConnection?> ConnectAsync(DnsClientEndpointInfo endpointInfo, int queryTimeout, CancellationToken token) =>
        IPAddress.IsLoopback(endpointInfo.DestinationAddress)
            ? inner.ConnectAsync(endpointInfo, queryTimeout, token)
            : worker.Run(sandbox, () => inner.ConnectAsync(endpointInfo, queryTimeout, token)).Unwrap();

    public Task<IClientConnection?> GetPooledConnectionAsync(DnsClientEndpointInfo endpointInfo, CancellationToken token) =>
        Task.FromResult<IClientConnection?>(null);

    public void Dispose() => inner.Dispose();
}
