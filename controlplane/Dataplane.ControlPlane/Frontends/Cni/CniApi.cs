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

        app.MapPost(CniRoutes.Attachments, async (HttpContext http) =>
            Results.Json(frontend.Attach(await Read(http, json.CniAttachRequest)), json.CniAttachment, statusCode: StatusCodes.Status201Created));
        app.MapGet(one, (string containerId, string ifName) =>
            Results.Json(frontend.Inspect(containerId, ifName), json.CniAttachment));
        app.MapDelete(one, (string containerId, string ifName) =>
        {
            frontend.Detach(containerId, ifName);
            return Results.NoContent();
        });
        app.MapPost(CniRoutes.Gc, async (HttpContext http) =>
            Results.Json(frontend.Collect(await Read(http, json.CniGcRequest)), json.CniGcResponse));
        app.MapGet(CniRoutes.Status, () => Results.Json(new CniStatusResponse(frontend.Attachments.Count), json.CniStatusResponse));
        return app;
    }

    private static async Task<T> Read<T>(HttpContext http, JsonTypeInfo<T> type)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted)
                ?? throw DataplaneException.Invalid("invalid request: the body is null");
        }
        catch (JsonException e)
        {
            throw DataplaneException.Invalid("invalid request: " + e.Message);
        }
    }
}
