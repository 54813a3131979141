using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Api;

/// <summary>
/// Kestrel serving the API on a Unix socket with mode 0660. A stale socket file of a dead daemon is
/// replaced; the socket file is removed on dispose.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app, string socketPath)
    {
        _app = app;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public static Task<ApiServer> StartAsync(string socketPath, INetworkEngine networks, IContainerEngine containers,
        Action<ILoggingBuilder>? logging = null, CancellationToken ct = default)
        => StartAsync(socketPath, app => app.MapDataplaneApi(networks, containers), logging, ct);

    /// <summary>Serves the routes <paramref name="routes"/> maps: the Docker-style API and each frontend's own.</summary>
    public static async Task<ApiServer> StartAsync(string socketPath, Action<IEndpointRouteBuilder> routes,
        Action<ILoggingBuilder>? logging = null, CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(socketPath))!);
        if (File.Exists(socketPath))
            File.Delete(socketPath);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        var app = builder.Build();
        app.UseDataplaneErrors();
        routes(app);
        await app.StartAsync(ct);
        // Only root and the socket's group may talk to the daemon, as with dockerd.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(socketPath,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        return new ApiServer(app, socketPath);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (File.Exists(SocketPath))
            File.Delete(SocketPath);
    }
}
