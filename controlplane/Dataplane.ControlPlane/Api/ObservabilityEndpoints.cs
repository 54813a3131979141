using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Dataplane.ControlPlane.Api;

/// <summary>The observability routes: GET /metrics, GET and DELETE /conntrack, GET /nat, GET /monitor
/// (a stream), GET /info; and the request-duration metric of every route of the API.</summary>
public static class ObservabilityEndpoints
{
    public static IEndpointRouteBuilder MapObservabilityApi(this IEndpointRouteBuilder app, ObservabilityService obs)
    {
        var json = ApiJsonContext.Default;
        if (app is IApplicationBuilder pipeline) pipeline.Use(TimeRequests(obs.Metrics));

        app.MapGet(ObservabilityRoutes.Metrics, (HttpContext http, CancellationToken ct) => WriteMetricsAsync(http, obs.Metrics, ct));
        app.MapGet(ObservabilityRoutes.Conntrack, async (int? port, string? container, string? proto, CancellationToken ct) =>
            Results.Json(await obs.ConntrackAsync(port, container, proto, ct), json.IReadOnlyListConntrackFlowRecord));
        app.MapDelete(ObservabilityRoutes.Conntrack, async (int? port, string? container, string? proto, CancellationToken ct) =>
            Results.Json(await obs.FlushAsync(port, container, proto, ct), json.ConntrackFlushResponse));
        app.MapGet(ObservabilityRoutes.Nat, async (CancellationToken ct) =>
            Results.Json(await obs.NatAsync(ct), json.IReadOnlyListNatReservationRecord));
        app.MapGet(ObservabilityRoutes.Info, async (CancellationToken ct) => Results.Json(await obs.InfoAsync(ct), json.DaemonInfo));
        app.MapGet(ObservabilityRoutes.Monitor, (HttpContext http, string? type, IHostApplicationLifetime life, CancellationToken ct) =>
        {
            // Ends with the client or with the daemon (a stream must not hold the shutdown back).
            var mask = TypeMask(type);
            return StreamEventsAsync(http, obs, mask, CancellationTokenSource.CreateLinkedTokenSource(ct, life.ApplicationStopping));
        });
        return app;
    }

    public static async Task WriteMetricsAsync(HttpContext http, DataplaneMetrics metrics, CancellationToken ct)
    {
        http.Response.ContentType = DataplaneMetrics.ContentType;
        await metrics.WriteAsync(http.Response.Body, ct);
    }

    /// <summary>drop (default), trace, or all.</summary>
    public static uint TypeMask(string? type) => type switch
    {
        null or "" or "drop" => 1u << (int)EventType.Drop,
        "trace" => 1u << (int)EventType.Trace,
        "all" => (1u << (int)EventType.Drop) | (1u << (int)EventType.Trace),
        _ => throw DataplaneException.Invalid($"invalid event type: {type} (drop, trace or all)"),
    };

    /// <summary>One JSON object a line, written and flushed as each event arrives, until the client goes.</summary>
    private static async Task StreamEventsAsync(HttpContext http, ObservabilityService obs, uint mask, CancellationTokenSource stop)
    {
        using var owned = stop;
        var ct = owned.Token;
        using var subscription = obs.Monitor.Subscribe(mask);
        http.Response.ContentType = "application/x-ndjson";
        var body = http.Response.BodyWriter;
        await body.FlushAsync(ct); // headers now: the client knows the stream is open
        try
        {
            await foreach (var e in subscription.Events.ReadAllAsync(ct))
            {
                using (var writer = new Utf8JsonWriter(body))
                    JsonSerializer.Serialize(writer, obs.Describe(e), ApiJsonContext.Default.MonitorEvent);
                body.Write("\n"u8);
                // Flush once the queue is drained: a burst goes out in one write, a lone event at once.
                if (!subscription.Events.TryPeek(out _) && (await body.FlushAsync(ct)).IsCompleted) break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static Func<HttpContext, RequestDelegate, Task> TimeRequests(DataplaneMetrics metrics) => async (http, next) =>
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            if (route != ObservabilityRoutes.Monitor)
                metrics.ApiRequestDuration.WithLabels(route, http.Request.Method, http.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    };
}
