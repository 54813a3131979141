using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// The UDP client transport forwarded queries leave by: a socket of its own per query (its own source
/// port, as Docker dials), created in the sandbox's network namespace so the query takes the
/// container's egress path, or in the daemon's for a loopback server (the host's own resolver). The
/// library's UDP transport allocates a buffer of the socket's receive-buffer size (~200 KB, on the large
/// object heap) for every answer; this one receives into a pooled 64 KB buffer and keeps only the answer.
/// </summary>
internal sealed class SandboxUdpTransport(NamespaceWorker worker, NetworkNamespace sandbox) : IClientTransport
{
    private const int Port = 53;

    public ushort MaximumAllowedQuerySize => 512;
    public bool SupportsReliableTransfer => false;
    public bool SupportsMulticastTransfer => false;
    public bool SupportsPooledConnections => false;

    public async Task<IClientConnection?> ConnectAsync(DnsClientEndpointInfo endpointInfo, int queryTimeout, CancellationToken token)
    {
        var server = new IPEndPoint(endpointInfo.DestinationAddress, Port);
        Socket Open()
        {
            var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Connect(server); // UDP: sets the peer, picks the source; sends nothing
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        try
        {
            var socket = IPAddress.IsLoopback(server.Address) ? Open() : await worker.Run(sandbox, Open);
            return new Connection(this, socket, queryTimeout);
        }
        catch (SocketException)
        {
            return null; // the library tries the next server
        }
    }

    public Task<IClientConnection?> GetPooledConnectionAsync(DnsClientEndpointInfo endpointInfo, CancellationToken token) =>
        Task.FromResult<IClientConnection?>(null);

    public void Dispose() { }

    private sealed class Connection(IClientTransport transport, Socket socket, int timeoutMs) : IClientConnection
    {
        private const int MaxDatagram = 65535;

        public IClientTransport Transport => transport;

        public bool IsFaulty { get; private set; }

        public void MarkFaulty() => IsFaulty = true;

        public async Task<bool> SendAsync(DnsRawPackage package, CancellationToken token)
        {
            try
            {
                using var timeout = Timeout(token);
                int sent = await socket.SendAsync(package.ToArraySegment(false), SocketFlags.None, timeout.Token);
                if (sent == package.Length) return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
            MarkFaulty();
            return false;
        }

        /// <summary>The answer to <paramref name="identification"/>; datagrams with another id or question are
        /// skipped (a late answer, a spoofed one), all within one query timeout.</summary>
        public async Task<DnsReceivedRawPackage?> ReceiveAsync(DnsMessageIdentification identification, CancellationToken token)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
            try
            {
                using var timeout = Timeout(token);
                while (true)
                {
                    int length = await socket.ReceiveAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, timeout.Token);
                    if (length == 0) break;
                    // The package's layout: a two-byte big-endian length, then the message.
                    var bytes = new byte[DnsRawPackage.LENGTH_HEADER_LENGTH + length];
                    BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)length);
                    buffer.AsSpan(0, length).CopyTo(bytes.AsSpan(DnsRawPackage.LENGTH_HEADER_LENGTH));
                    var package = new DnsReceivedRawPackage(bytes, (IPEndPoint)socket.RemoteEndPoint!, (IPEndPoint)socket.LocalEndPoint!);
                    if (package.MessageIdentification.Equals(identification)) return package;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            MarkFaulty();
            return null;
        }

        private CancellationTokenSource Timeout(CancellationToken token)
        {
            var source = CancellationTokenSource.CreateLinkedTokenSource(token);
            source.CancelAfter(timeoutMs);
            return source;
        }

        public void RestartIdleTimeout(TimeSpan? timeout) { } // UDP: no connection to keep alive

        public void Dispose() => socket.Dispose();
    }
}
