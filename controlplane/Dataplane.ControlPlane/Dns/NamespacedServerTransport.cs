using ARSoft.Tools.Net.Dns;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// One of the library's server transports (UDP or TCP on 127.0.0.11:53) whose socket is created and
/// bound by a thread that entered the sandbox's network namespace: a socket belongs to the namespace
/// it was created in for its whole life, so the server's async loop then serves it from any thread.
/// Bound at construction, so a refused bind fails the container's start instead of a background task.
/// </summary>
internal sealed class NamespacedServerTransport : IServerTransport
{
    private readonly IServerTransport _inner;

    public NamespacedServerTransport(NetworkNamespace sandbox, Func<IServerTransport> create)
    {
        _inner = sandbox.Run(() =>
        {
            var transport = create();
            transport.Bind();
            return transport;
        });
    }

    public ushort DefaultAllowedResponseSize => _inner.DefaultAllowedResponseSize;
    public bool SupportsMultipleResponses => _inner.SupportsMultipleResponses;
    public bool AllowTruncatedResponses => _inner.AllowTruncatedResponses;
    public TransportProtocol TransportProtocol => _inner.TransportProtocol;

    public void Bind() { } // done in the namespace at construction

    public void Close() => _inner.Close();

    public Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token) => _inner.AcceptConnectionAsync(token);

    public void Dispose() => _inner.Dispose();
}
