using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Api;

/// <summary>The daemon's API over its Unix socket. Non-2xx answers become ApiException with the daemon's message.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _host;
    private readonly string? _socketPath; // for hijacked connections (exec), which HttpClient does not make

    /// <summary>A client of the daemon listening on socketPath.</summary>
    public ApiClient(string socketPath)
        : this(CreateUnixHandler(socketPath), "unix://" + socketPath)
    {
        _socketPath = socketPath;
    }

    /// <summary>A client over any handler (tests use a fake one).</summary>
    public ApiClient(HttpMessageHandler handler, string host = "unix:///fake")
    {
        _host = host;
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://dataplane"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public static SocketsHttpHandler CreateUnixHandler(string socketPath) => new()
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static ApiJsonContext Json => ApiJsonContext.Default;

    public Task<NetworkCreateResponse> CreateNetworkAsync(NetworkCreateRequest r, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Networks, Content(r, Json.NetworkCreateRequest), Json.NetworkCreateResponse, ct);

    public Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.Networks, null, Json.IReadOnlyListNetworkInfo, ct);

    public Task<NetworkInfo> InspectNetworkAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.Network(name), null, Json.NetworkInfo, ct);

    public Task RemoveNetworkAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, Routes.Network(name), null, ct);

    public Task ConnectAsync(string network, NetworkConnectRequest r, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Network(network) + "/connect", Content(r, Json.NetworkConnectRequest), ct);

    public Task DisconnectAsync(string network, NetworkDisconnectRequest r, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Network(network) + "/disconnect", Content(r, Json.NetworkDisconnectRequest), ct);

    public Task<RunResponse> RunAsync(RunRequest r, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Containers, Content(r, Json.RunRequest), Json.RunResponse, ct);

    public Task<WaitResponse> WaitAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Wait(name), null, Json.WaitResponse, ct);

    public Task<ExecCreateResponse> CreateExecAsync(string name, ExecRequest r, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Exec(name), Content(r, Json.ExecRequest), Json.ExecCreateResponse, ct);

    public Task StartExecDetachedAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.ExecStart(id, detach: true), null, ct);

    /// <summary>Starts the exec with its streams on a connection of its own (raw with a terminal, else StreamFrames).</summary>
    public Task<HijackedConnection> StartExecAttachedAsync(string id, CancellationToken ct = default) =>
        HijackedConnection.OpenAsync(_socketPath ?? throw new InvalidOperationException("attaching to an exec needs the daemon's Unix socket"), Routes.ExecStart(id, detach: false), ct);

    public Task ResizeExecAsync(string id, int rows, int columns, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.ExecResize(id, rows, columns), null, ct);

    public Task<VersionResponse> VersionAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, VersionRoute.Path, null, Json.VersionResponse, ct);

    public Task<ExecInspectResponse> InspectExecAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.ExecInspect(id), null, Json.ExecInspectResponse, ct);

    public Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.Containers, null, Json.IReadOnlyListContainerRecord, ct);

    public Task<ContainerRecord> InspectContainerAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.Container(name), null, Json.ContainerRecord, ct);

    public Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.Port(name), null, Json.IReadOnlyListPortMappingRecord, ct);

    public Task<IReadOnlyList<PortCounters>> PortCountersAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, Routes.PortCounters(name), null, Json.IReadOnlyListPortCounters, ct);

    public Task RemoveContainerAsync(string name, bool force, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, Routes.Remove(name, force), null, ct);

    public Task StopAsync(string name, int? timeout, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Stop(name, timeout), null, ct);

    public Task StartAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Start(name), null, ct);

    public Task RestartAsync(string name, int? timeout, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Restart(name, timeout), null, ct);

    public Task KillAsync(string name, string? signal, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, Routes.Kill(name, signal), null, ct);

    /// <summary>Copies the container's output as it arrives, its stdout and stderr each to its own destination.</summary>
    public async Task CopyLogsAsync(string name, LogOptions options, Stream stdout, Stream stderr, CancellationToken ct = default)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, Routes.Logs(name, options)), ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await StreamFrames.DemultiplexAsync(body, stdout, stderr, ct);
    }

    public Task<IReadOnlyList<ConntrackFlowRecord>> ConntrackAsync(int? port, string? container, string? proto, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, ObservabilityRoutes.ConntrackQuery(port, container, proto), null, Json.IReadOnlyListConntrackFlowRecord, ct);

    public Task<ConntrackFlushResponse> FlushConntrackAsync(int? port, string? container, string? proto, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, ObservabilityRoutes.ConntrackQuery(port, container, proto), null, Json.ConntrackFlushResponse, ct);

    public Task<IReadOnlyList<NatReservationRecord>> NatAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, ObservabilityRoutes.Nat, null, Json.IReadOnlyListNatReservationRecord, ct);

    public Task<DaemonInfo> InfoAsync(CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, ObservabilityRoutes.Info, null, Json.DaemonInfo, ct);

    /// <summary>The Prometheus text of GET /metrics.</summary>
    public async Task<string> MetricsAsync(CancellationToken ct = default)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, ObservabilityRoutes.Metrics), ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Monitor events as the daemon streams them (one JSON object a line), until ct or the daemon ends it.</summary>
    public async IAsyncEnumerable<MonitorEvent> MonitorAsync(string type, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, ObservabilityRoutes.MonitorQuery(type)), ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            if (JsonSerializer.Deserialize(line, Json.MonitorEvent) is { } e) yield return e;
        }
    }

    public void Dispose() => _http.Dispose();

    private static JsonContent Content<T>(T value, JsonTypeInfo<T> info) => JsonContent.Create(value, info);

    private async Task<T> SendAsync<T>(HttpMethod method, string route, HttpContent? content, JsonTypeInfo<T> info, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(method, route) { Content = content }, ct);
        return await response.Content.ReadFromJsonAsync(info, ct)
            ?? throw new ApiException((int)response.StatusCode, $"empty answer from the daemon for {method} {route}");
    }

    private async Task SendAsync(HttpMethod method, string route, HttpContent? content, CancellationToken ct)
    {
        using var _ = await SendRawAsync(new HttpRequestMessage(method, route) { Content = content }, ct);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new DaemonUnreachableException(_host, e);
        }
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(ct);
            throw new ApiException((int)response.StatusCode, ErrorMessage(body, response.ReasonPhrase));
        }
    }

    /// <summary>The `message` of an error answer's JSON, else its text, else the reason phrase.</summary>
    internal static string ErrorMessage(string body, string? reason)
    {
        try
        {
            return JsonSerializer.Deserialize(body, Json.ErrorResponse)?.Message ?? body;
        }
        catch (JsonException)
        {
            return body.Length > 0 ? body : reason ?? "unknown error";
        }
    }
}
