using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Dataplane.Cni;

/// <summary>The daemon is not there to answer (no socket, nobody listening): retry later, or for DEL nothing to do.</summary>
public sealed class DaemonUnavailableException(string message) : Exception(message);

/// <summary>
/// One HTTP/1.1 request per call to the daemon's Unix socket, written by hand: HttpClient costs
/// milliseconds of start-up on every pod start and buys nothing for one request on a local socket.
/// </summary>
public sealed class DaemonClient(string socketPath)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public string SocketPath { get; } = socketPath;

    /// <summary>Sends <paramref name="request"/> as JSON; a 2xx answer returns its body deserialised, anything else throws a CniException.</summary>
    public TResponse Send<TRequest, TResponse>(string method, string path, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType)
        => Decode(Expect2xx(method, path, JsonSerializer.SerializeToUtf8Bytes(request, requestType)), responseType, method, path);

    /// <summary>A request without a body (GET); the answer's body deserialised.</summary>
    public TResponse Send<TResponse>(string method, string path, JsonTypeInfo<TResponse> responseType)
        => Decode(Expect2xx(method, path, null), responseType, method, path);

    /// <summary>A request without a body whose answer carries none either (DELETE).</summary>
    public void Send(string method, string path) => Expect2xx(method, path, null);

    private byte[] Expect2xx(string method, string path, byte[]? body)
    {
        var (status, answer) = Exchange(method, path, body);
        return status is >= 200 and < 300 ? answer : throw Refusal(status, answer, method, path);
    }

    private (int Status, byte[] Body) Exchange(string method, string path, byte[]? body)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (!File.Exists(SocketPath))
            throw new DaemonUnavailableException($"the dataplane daemon is not running: no socket at {SocketPath}");
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        }
        catch (SocketException e)
        {
            throw new DaemonUnavailableException($"the dataplane daemon is not running: cannot connect to {SocketPath}: {e.Message}");
        }
        socket.SendTimeout = socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        try
        {
            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")
                .Append(body is null ? "Content-Length: 0\r\n" : $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n")
                .Append("\r\n");
            socket.Send(Encoding.ASCII.GetBytes(head.ToString()));
            if (body is not null) socket.Send(body);
            using var received = new MemoryStream();
            var buffer = new byte[16 * 1024];
            for (int n; (n = socket.Receive(buffer)) > 0;)
                received.Write(buffer, 0, n);
            return HttpResponse.Parse(received.ToArray(), SocketPath);
        }
        catch (SocketException e)
        {
            throw new CniException(CniCode.IoFailure, $"talking to the dataplane daemon at {SocketPath} failed: {e.Message}");
        }
    }

    private T Decode<T>(byte[] body, JsonTypeInfo<T> type, string method, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new CniException(CniCode.DecodeFailure, $"the daemon answered {method} {path} with null");
        }
        catch (JsonException e)
        {
            throw new CniException(CniCode.DecodeFailure, $"cannot decode the daemon's answer to {method} {path}: {e.Message}");
        }
    }

    /// <summary>The daemon's refusal as a CNI error, its message passed on verbatim.</summary>
    private CniException Refusal(int status, byte[] body, string method, string path)
    {
        string? message = null;
        try { message = body.Length > 0 ? JsonSerializer.Deserialize(body, PluginJson.Default.DaemonError)?.Message : null; }
        catch (JsonException) { }
        if (message is null)
            return new CniException(CniCode.DaemonFailure,
                $"the daemon at {SocketPath} answered {method} {path} with HTTP {status}: is it a dataplane daemon that serves the CNI API?");
        var code = status switch
        {
            400 => CniCode.InvalidNetworkConfig,
            404 => CniCode.UnknownContainer,
            409 => CniCode.Conflict,
            _ => CniCode.DaemonFailure,
        };
        return new CniException(code, message);
    }
}
