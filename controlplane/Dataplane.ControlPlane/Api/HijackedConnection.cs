using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Dataplane.ControlPlane.Api;

/// <summary>
/// The client's side of an HTTP/1.1 upgrade on the daemon's Unix socket (Docker's hijacked exec
/// connection): after `101 Switching Protocols` the socket is a plain byte stream both ways. Any other
/// answer is the daemon's error, thrown as <see cref="ApiException"/>.
/// </summary>
public sealed class HijackedConnection : Stream
{
    private const int MaxHead = 16 * 1024;

    private readonly NetworkStream _stream;
    private ReadOnlyMemory<byte> _early; // bytes that arrived with the 101's head

    private HijackedConnection(NetworkStream stream, ReadOnlyMemory<byte> early)
    {
        _stream = stream;
        _early = early;
    }

    public static async Task<HijackedConnection> OpenAsync(string socketPath, string route, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new DaemonUnreachableException("unix://" + socketPath, e);
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST {route} HTTP/1.1\r\nHost: dataplane\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"), ct);
            var buffer = new byte[MaxHead];
            int filled = 0, end;
            while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled == buffer.Length) throw new ApiException(502, "the daemon's answer has an oversized header");
                int n = await stream.ReadAsync(buffer.AsMemory(filled), ct);
                if (n == 0) throw new ApiException(502, "the daemon closed the connection without answering");
                filled += n;
            }
            var head = Encoding.ASCII.GetString(buffer, 0, end).Split("\r\n");
            var statusLine = head[0].Split(' ');
            if (statusLine.Length < 2 || !int.TryParse(statusLine[1], CultureInfo.InvariantCulture, out int status))
                throw new ApiException(502, $"unexpected answer from the daemon: {head[0]}");
            var rest = buffer.AsMemory(end + 4, filled - end - 4);
            if (status == 101)
                return new HijackedConnection(stream, rest.ToArray());
            string body = await ReadBodyAsync(stream, head, rest.ToArray(), ct);
            throw new ApiException(status, ApiClient.ErrorMessage(body, string.Join(' ', statusLine.Skip(2))));
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The body of an error answer: by Content-Length, chunked, or up to the end of the connection.</summary>
    private static async Task<string> ReadBodyAsync(NetworkStream stream, string[] head, byte[] start, CancellationToken ct)
    {
        string? Header(string name) => head.Skip(1).Select(h => h.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();
        bool chunked = Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
        long? length = long.TryParse(Header("Content-Length"), CultureInfo.InvariantCulture, out long l) ? l : null;
        var body = new MemoryStream();
        body.Write(start);
        var buffer = new byte[4096];
        while (!(length is { } want && body.Length >= want) && !(chunked && body.GetBuffer().AsSpan(0, (int)body.Length).EndsWith("0\r\n\r\n"u8)))
        {
            int n = await stream.ReadAsync(buffer, ct);
            if (n == 0) break;
            body.Write(buffer, 0, n);
        }
        var bytes = body.ToArray();
        return Encoding.UTF8.GetString(chunked ? Dechunk(bytes) : bytes);
    }

    private static byte[] Dechunk(byte[] data)
    {
        var output = new MemoryStream();
        int at = 0;
        while (at < data.Length)
        {
            int eol = data.AsSpan(at).IndexOf("\r\n"u8);
            if (eol < 0) break;
            var sizeText = Encoding.ASCII.GetString(data, at, eol).Split(';')[0];
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int size) || size == 0) break;
            at += eol + 2;
            output.Write(data, at, Math.Min(size, data.Length - at));
            at += size + 2;
        }
        return output.ToArray();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_early.Length > 0)
        {
            int n = Math.Min(buffer.Length, _early.Length);
            _early[..n].CopyTo(buffer);
            _early = _early[n..];
            return n;
        }
        return await _stream.ReadAsync(buffer, ct);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => _stream.WriteAsync(buffer, ct);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _stream.WriteAsync(buffer, offset, count, ct);

    public override void Write(byte[] buffer, int offset, int count) => _stream.Write(buffer, offset, count);

    public override void Flush() => _stream.Flush();

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _stream.Dispose();
        base.Dispose(disposing);
    }
}
