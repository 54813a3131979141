using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dataplane.ControlPlane.Api;

/// <summary>
/// POST /exec/ID/start as Docker serves it: the process is started first (a start failure is an
/// ordinary error answer), then an upgrade request's connection is taken over (101, `Upgrade: tcp`)
/// and carries stdin one way and the output the other until the process has exited.
/// </summary>
public static class ExecStart
{
    public static async Task HandleAsync(HttpContext http, IContainerEngine containers, string id, bool detach, CancellationToken ct)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        bool attach = !detach && upgrade is { IsUpgradableRequest: true };
        if (!detach && !attach)
            throw DataplaneException.Invalid("exec start needs `Connection: Upgrade` and `Upgrade: tcp`, or detach=true");
        var attachment = await containers.StartExecAsync(id, attach, ct);
        if (attachment is null)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        http.Response.Headers.Upgrade = "tcp";
        await using var connection = await upgrade!.UpgradeAsync();
        // The connection's end, not the request's: the client closing it is what stops the streams.
        await attachment.RunAsync(connection, CancellationToken.None);
    }
}
