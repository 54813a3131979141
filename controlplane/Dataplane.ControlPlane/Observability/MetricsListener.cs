using System.Net;
using Dataplane.ControlPlane.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Observability;

/// <summary>`--metrics-addr`: GET /metrics (and nothing else) on a TCP address, for a Prometheus server
/// that cannot reach the API socket. Off by default, as dockerd's metrics-addr.</summary>
public sealed class MetricsListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsListener(WebApplication app) => _app = app;

    /// <summary>ADDRESS:PORT (IPv4) or [ADDRESS]:PORT (IPv6); a port of 0 picks a free one.</summary>
    public static IPEndPoint ParseEndpoint(string text)
        => IPEndPoint.TryParse(text, out var ep) && text.Contains(':') && ep.Port >= 0
            ? ep
            : throw new FormatException($"not an ADDRESS:PORT: {text}");

    public static async Task<MetricsListener> StartAsync(string address, DataplaneMetrics metrics, CancellationToken ct)
    {
        var endpoint = ParseEndpoint(address);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        app.MapGet(ObservabilityRoutes.Metrics, (HttpContext http, CancellationToken token) => ObservabilityEndpoints.WriteMetricsAsync(http, metrics, token));
        await app.StartAsync(ct);
        return new MetricsListener(app);
    }

    /// <summary>Where it listens (the port chosen when 0 was asked).</summary>
    public IReadOnlyList<string> Urls => [.. _app.Urls];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
