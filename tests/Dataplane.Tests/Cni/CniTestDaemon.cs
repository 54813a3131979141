using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Frontends.Cni;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Dataplane.Tests.Cni;

/// <summary>Kestrel on a Unix socket serving only the CNI routes, as the daemon maps them (errors included).</summary>
public sealed class CniTestDaemon : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CniTestDaemon(WebApplication app) => _app = app;

    public static async Task<CniTestDaemon> StartAsync(string socketPath, CniFrontend frontend)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath));
        var app = builder.Build();
        app.UseDataplaneErrors();
        app.MapCniApi(frontend);
        await app.StartAsync();
        return new CniTestDaemon(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
