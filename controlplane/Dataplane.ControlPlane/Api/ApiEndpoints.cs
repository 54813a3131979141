using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

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
            Results.Json(await containers.ExecAsync(name, r, ct), json.ExecResponse));
        app.MapGet(Routes.Containers + "/{name}/port", async (string name, CancellationToken ct) =>
            Results.Json(await containers.PortsAsync(name, ct), json.IReadOnlyListPortMappingRecord));
        app.MapGet(Routes.Containers + "/{name}/logs", async (HttpContext http, string name, bool? follow, CancellationToken ct) =>
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await containers.WriteLogsAsync(name, follow ?? false, http.Response.Body, ct);
        });
        app.MapDelete(Routes.Containers + "/{name}", async (string name, bool? force, CancellationToken ct) =>
        {
            await containers.RemoveAsync(name, force ?? false, ct);
            return Results.NoContent();
        });
        return app;
    }

    /// <summary>Turns DataplaneExceptions into `{ "message": ... }` with their status; anything else is a 500 with its message.</summary>
    public static IApplicationBuilder UseDataplaneErrors(this IApplicationBuilder app) => app.Use(async (http, next) =>
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
                BadHttpRequestException b => (StatusCodes.Status400BadRequest, "invalid request: " + b.Message),
                _ => (StatusCodes.Status500InternalServerError, e.Message),
            };
            http.Response.Clear();
            await Results.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status).ExecuteAsync(http);
        }
    });
}
