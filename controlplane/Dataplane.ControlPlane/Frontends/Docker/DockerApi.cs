using Version = System.Version;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>A Docker mode setup that cannot work as it is: the message says what to change.
/// Refused: Docker answers but must be reconfigured (too old, still doing its own NAT); otherwise unreachable.</summary>
public sealed class DockerModeException(string message, Exception? inner = null, bool refused = false) : Exception(message, inner)
{
    public bool Refused { get; } = refused;
}

/// <summary>
/// Connects to a Docker engine over its Unix socket (Docker.DotNet) at the API version both sides
/// speak: the engine's own, which must be at least <see cref="MinimumApi"/> (Docker 20.10).
/// </summary>
public static class DockerApi
{
    public static readonly Version MinimumApi = new(1, 41);
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    public static Uri ParseEndpoint(string? text)
    {
        var value = string.IsNullOrWhiteSpace(text) ? DefaultEndpoint : text.Trim();
        if (value.StartsWith('/')) value = "unix://" + value;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != "unix" || uri.AbsolutePath.Length <= 1)
            throw new DockerModeException($"--docker {text}: expected unix:///path/to/docker.sock (Docker mode talks to dockerd over its Unix socket)");
        return uri;
    }

    /// <summary>A client at the engine's API version; a clear error when the socket is unreachable or the engine too old.</summary>
    public static async Task<(DockerClient Client, VersionResponse Version)> ConnectAsync(Uri endpoint, CancellationToken ct)
    {
        if (!File.Exists(endpoint.AbsolutePath))
            throw new DockerModeException($"cannot reach Docker at {endpoint}: no socket there; is dockerd running, and is this its -H address?");
        // /version first at MinimumApi (Docker 20.10 refuses newer versions than its own), then at the
        // client's default for engines whose minimum is above it.
        var version = await VersionAsync(endpoint, MinimumApi, ct) ?? await VersionAsync(endpoint, null, ct)
            ?? throw new DockerModeException($"Docker at {endpoint} refused both API {MinimumApi} and this client's default version", refused: true);
        if (!Version.TryParse(version.APIVersion, out var api) || api < MinimumApi)
            throw new DockerModeException(string.Create(CultureInfo.InvariantCulture,
                $"Docker {version.Version} speaks API {version.APIVersion}: too old, Docker mode needs API {MinimumApi} (Docker 20.10) or newer"), refused: true);
        return (Build(endpoint, api), version);
    }

    private static async Task<VersionResponse?> VersionAsync(Uri endpoint, Version? api, CancellationToken ct)
    {
        using var probe = Build(endpoint, api);
        try
        {
            return await probe.System.GetVersionAsync(ct);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.BadRequest)
        {
            return null; // "client version X is too old/new"
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new DockerModeException($"cannot reach Docker at {endpoint}: {e.Message}", e);
        }
    }

    private static DockerClient Build(Uri endpoint, Version? api)
    {
        var builder = new DockerClientBuilder().WithEndpoint(endpoint);
        return (api is null ? builder : builder.WithApiVersion(api)).Build();
    }
}
