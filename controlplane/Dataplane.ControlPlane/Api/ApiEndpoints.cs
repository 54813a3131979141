using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Api;

/// <summary>The routes of the daemon's API as minimal-API endpoints delegating to the engines.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapDataplaneApi(this IEndpointRouteBuilder app, INetworkEngine networks, IContainerEngine containers)
    {
        var json = ApiJsonContext.Default;

        app.MapPost(Routes.Networks, async (NetworkCreateRequest r, CancellationToken ct) =>
            Results.Json(await networks.CreateNetworkAsync(r, ct), json.NetworkCreateResponse, statusCode: StatusCodes.Status201Created));
        app.MapGet(Routes.Networks, async (CancellationToken ct) =>
            Results.Json(await networks.ListNetworksAsync(ct), json.IReadOnlyListNetworkInfo));
        app.MapGet(Routes.Networks + "/{name}", async (string name, CancellationToken ct) =>
            Results.Json(await networks.InspectNetworkAsync(name, ct), json.NetworkInfo));
        app.MapPost(Routes.Networks + "/{name}/connect", async (string name, NetworkConnectRequest r, CancellationToken ct) =>
        {
            await containers.ConnectAsync(name, r, ct);
            return Results.Ok();
        });
        app.MapPost(Routes.Networks + "/{name}/disconnect", async (string name, NetworkDisconnectRequest r, CancellationToken ct) =>
        {
            await containers.DisconnectAsync(name, r, ct);
            return Results.Ok();
        });
        app.MapDelete(Routes.Networks + "/{name}", async (string name, CancellationToken ct) =>
        {
            await networks.RemoveNetworkAsync(name, ct);
            return Results.NoContent();
        });

        app.MapPost(Routes.Containers, async (RunRequest r, CancellationToken ct) =>
            Results.Json(await containers.RunAsync(r, ct), json.RunResponse, statusCode: StatusCodes.Status201Created));
        app.MapGet(Routes.Containers, async (CancellationToken ct) =>
            Results.Json(await containers.ListAsync(ct), json.IReadOnlyListContainerRecord));
        app.MapGet(Routes.Containers + "/{name}", async (string name, CancellationToken ct) =>
            Results.Json(await containers.InspectAsync(name, ct), json.ContainerRecord));
        app.MapPost(Routes.Containers + "/{name}/wait", async (string name, CancellationToken ct) =>
            Results.Json(await containers.WaitAsync(name, ct), json.WaitResponse));
        app.MapPost(Routes.Containers + "/{name}/exec", async (string name, ExecRequest r, CancellationToken ct) =>
            Results.Json(await containers.CreateExecAsync(name, r, ct), json.ExecCreateResponse, statusCode: StatusCodes.Status201Created));
        app.MapPost(Routes.Execs + "/{id}/start", (HttpContext http, string id, bool? detach, CancellationToken ct) => ExecStart.HandleAsync(http, containers, id, detach ?? false, ct));
        app.MapPost(Routes.Execs + "/{id}/resize", async (string id, int h, int w, CancellationToken ct) =>
        {
            await containers.ResizeExecAsync(id, h, w, ct);
            return Results.Ok();
        });
        app.MapGet(Routes.Execs + "/{id}/json", async (string id, CancellationToken ct) =>
            Results.Json(await containers.InspectExecAsync(id, ct), json.ExecInspectResponse));
        app.MapGet(Routes.Containers + "/{name}/port", async (string name, CancellationToken ct) =>
            Results.Json(await containers.PortsAsync(name, ct), json.IReadOnlyListPortMappingRecord));
        app.MapGet(Routes.Containers + "/{name}/port/counters", async (string name, CancellationToken ct) =>
            Results.Json(await containers.PortCountersAsync(name, ct), json.IReadOnlyListPortCounters));
        app.MapGet(Routes.Containers + "/{name}/logs", async (HttpContext http, string name, bool? follow, bool? timestamps, string? since, string? until, string? tail, CancellationToken ct) =>
        {
            var options = new LogOptions(follow ?? false, timestamps ?? false, LogOptions.ParseSeconds(since, "since"), LogOptions.ParseSeconds(until, "until"), LogOptions.ParseTail(tail));
            http.Response.ContentType = "application/vnd.docker.multiplexed-stream";
            await containers.WriteLogsAsync(name, options, http.Response.Body, ct);
        });
        app.MapDelete(Routes.Containers + "/{name}", async (string name, bool? force, CancellationToken ct) =>
        {
            await containers.RemoveAsync(name, force ?? false, ct);
            return Results.NoContent();
        });
        app.MapPost(Routes.Containers + "/{name}/stop", async (string name, int? t, CancellationToken ct) =>
        {
            await containers.StopAsync(name, t, ct);
            return Results.NoContent();
        });
        app.MapPost(Routes.Containers + "/{name}/start", async (string name, CancellationToken ct) =>
        {
            await containers.StartAsync(name, ct);
            return Results.NoContent();
        });
        app.MapPost(Routes.Containers + "/{name}/restart", async (string name, int? t, CancellationToken ct) =>
        {
            await containers.RestartAsync(name, t, ct);
            return Results.NoContent();
        });
        app.MapPost(Routes.Containers + "/{name}/kill", async (string name, string? signal, CancellationToken ct) =>
        {
            await containers.KillAsync(name, signal, ct);
            return Results.NoContent();
        });
        app.MapGet(VersionRoute.Path, () => Results.Json(BuildVersion.Server(), json.VersionResponse));
        return app;
    }

    /// <summary>Turns DataplaneExceptions into `{ "message": ... }` with their status, and malformed requests
    /// into 400 (413 when too large) with what was wrong; a kernel refusal is a 500 with its InteropException
    /// text (written for operators); anything else is a 500 whose details go to the daemon's log only
    /// (no .NET exception text, no paths in the response).</summary>
    public static IApplicationBuilder UseDataplaneErrors(this IApplicationBuilder app, ILogger log) => app.Use(async (http, next) =>
    {
        try
        {
            await next(http);
        }
        catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
        {
            var (status, message) = e switch
            {
                DataplaneException d => ((int)d.Kind, d.Message),
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "request body too large"),
                BadHttpRequestException b => (StatusCodes.Status400BadRequest, "invalid request: " + (b.InnerException is System.Text.Json.JsonException j ? j.Message : b.Message)),
                // The kernel refused something: our own text naming the operation, errno and remedy.
                Interop.InteropException k => (StatusCodes.Status500InternalServerError, k.Message),
                _ => (StatusCodes.Status500InternalServerError, "internal error: see the daemon's log"),
            };
            if (e is not (DataplaneException or BadHttpRequestException or Interop.InteropException))
                log.LogError(e, "{Method} {Path} failed", http.Request.Method, http.Request.Path); // the details the response leaves out
            http.Response.Clear();
            await Results.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status).ExecuteAsync(http);
        }
    });
}
