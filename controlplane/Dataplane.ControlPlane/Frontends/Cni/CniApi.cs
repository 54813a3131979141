using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>The routes dataplane-cni calls. Errors are DataplaneExceptions, turned into `{ "message" }` by UseDataplaneErrors.</summary>
public static class CniApi
{
    public static IEndpointRouteBuilder MapCniApi(this IEndpointRouteBuilder app, CniFrontend frontend)
    {
        var json = CniJsonContext.Default;
        const string one = CniRoutes.Attachments + "/{containerId}/{ifName}";

        // Handlers take HttpRequest, not HttpContext: a lambda of HttpContext alone binds as a
        // RequestDelegate, and the IResult it returns would be dropped (an empty 200).
        app.MapPost(CniRoutes.Attachments, async (HttpRequest request) =>
            Results.Json(frontend.Attach(await Read(request, json.CniAttachRequest)), json.CniAttachment, statusCode: StatusCodes.Status201Created));
        app.MapGet(one, (string containerId, string ifName) =>
            Results.Json(frontend.Inspect(containerId, ifName), json.CniAttachment));
        app.MapDelete(one, (string containerId, string ifName) =>
        {
            frontend.Detach(containerId, ifName);
            return Results.NoContent();
        });
        app.MapPost(CniRoutes.Gc, async (HttpRequest request) =>
            Results.Json(frontend.Collect(await Read(request, json.CniGcRequest)), json.CniGcResponse));
        app.MapGet(CniRoutes.Status, () => Results.Json(new CniStatusResponse(frontend.Attachments.Count), json.CniStatusResponse));
        return app;
    }

    private static async Task<T> Read<T>(HttpRequest request, JsonTypeInfo<T> type)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted)
                ?? throw DataplaneException.Invalid("invalid request: the body is null");
        }
        catch (JsonException e)
        {
            throw DataplaneException.Invalid("invalid request: " + e.Message);
        }
    }
}
