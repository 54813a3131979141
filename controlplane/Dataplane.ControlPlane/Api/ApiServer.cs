using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

    /// <summary>Far above any real request (a 10,000-port run is ~200 KB), far below what could hurt the daemon.</summary>
    public const long MaxRequestBodyBytes = 1 << 20;

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
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(socketPath);
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });
        // Malformed JSON reaches UseDataplaneErrors as an exception, answered with a message, not an empty 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Under systemd (Type=notify): READY=1 once the API serves, STOPPING=1 on the way down; elsewhere nothing.
        builder.Services.AddSystemd();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        var app = builder.Build();
        app.UseDataplaneErrors(app.Logger);
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
