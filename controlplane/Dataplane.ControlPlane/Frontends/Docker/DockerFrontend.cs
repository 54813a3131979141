using System.Threading.Channels;
using Dataplane.ControlPlane.Engine;
using Dataplane.Interop.Namespaces;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>
/// Docker mode: follows a Docker engine (its own NAT and userland proxy off) and keeps the
/// endpoint engine exact. Start: checks, then a full reconcile; then /events (container start, die,
/// destroy; network create, destroy, connect, disconnect). When dockerd goes away it reconnects with
/// back-off and reconciles in full again, releasing whatever Docker no longer has.
/// </summary>
public sealed class DockerFrontend : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(10);
    private readonly Uri _endpoint;
    private readonly IEndpointEngine _engine;
    private readonly NetworkNamespace? _hostNamespace;
    private readonly ILogger _log;
    private readonly DockerReconciler _reconciler;
    private Session? _session;

    /// <param name="hostNamespace">The Docker host's network namespace (where dockerd's bridges and host veths are); null: this process's.</param>
    public DockerFrontend(Uri endpoint, IEndpointEngine engine, ILogger log, NetworkNamespace? hostNamespace = null)
    {
        _endpoint = endpoint;
        _engine = engine;
        _hostNamespace = hostNamespace;
        _log = log;
        _reconciler = new DockerReconciler(engine, new SandboxVeths(hostNamespace), log);
    }

    /// <summary>Reconciles completed since start (one per connection), for status and tests.</summary>
    public int Reconciles { get; private set; }

    /// <summary>Events handled since start.</summary>
    public long EventsHandled { get; private set; }

    /// <summary>Connects, checks the engine, reconciles (ports published at once). Throws
    /// <see cref="DockerModeException"/> with what to change when Docker is unreachable, too old or
    /// still doing its own NAT.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        _session = await OpenSessionAsync(ct);
        LogFollowing();
    }

    /// <summary>As <see cref="StartAsync"/> while the daemon starts: the running containers' ports are
    /// returned as claims for the daemon's one port reconcile instead of published (flows kept).</summary>
    public async Task<IReadOnlyList<PortPublisher.Claim>> RestoreAsync(CancellationToken ct)
    {
        IReadOnlyList<PortPublisher.Claim> claims = [];
        _session = await OpenSessionAsync(ct, reconcile => claims = _reconciler.CollectClaims(reconcile));
        LogFollowing();
        return claims;
    }

    private void LogFollowing()
        => _log.LogInformation("Docker mode: following Docker {Version} (API {Api}) at {Endpoint}", _session!.Version.Version, _session.Version.APIVersion, _endpoint);

    /// <summary>Follows events until cancelled, reconnecting (with back-off and a full reconcile) whenever the stream ends.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                _session ??= await OpenSessionAsync(ct);
                if (Reconciles > 1) _log.LogInformation("Docker mode: reconnected to {Endpoint}", _endpoint);
                backoff = FirstBackoff;
                await FollowAsync(_session, ct);
                _log.LogWarning("Docker event stream from {Endpoint} ended; reconnecting", _endpoint);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (DockerModeException e) when (e.Refused)
            {
                // dockerd came back doing its own NAT: stand aside rather than NAT twice.
                _log.LogError("Docker mode: {Error}; releasing every Docker endpoint until this is fixed", e.Message);
                _reconciler.ReleaseAllExcept(new HashSet<string>());
            }
            catch (Exception e) when (IsConnectionLoss(e))
            {
                _log.LogWarning("Docker at {Endpoint} unreachable ({Error}); retrying in {Delay} ms", _endpoint, e.Message, (int)backoff.TotalMilliseconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.LogError(e, "Docker mode: unexpected failure; reconnecting in {Delay} ms", (int)backoff.TotalMilliseconds);
            }
            finally
            {
                _session?.Dispose();
                _session = null;
            }
            await Task.Delay(backoff, ct).ContinueWith(_ => { }, CancellationToken.None);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>Subscribes to events first (so nothing that happens during the reconcile is missed), then reconciles in full.</summary>
    private async Task<Session> OpenSessionAsync(CancellationToken ct, Action<Action>? around = null)
    {
        var (client, version) = await DockerApi.ConnectAsync(_endpoint, ct);
        var session = new Session(client, version, ct);
        try
        {
            session.Subscribe();
            var networks = await BridgeNetworksAsync(client, ct);
            if (DockerSafety.Check(networks, DockerSafety.DockerProxies(HostNetnsInode())) is { } refusal)
                throw new DockerModeException(refusal, refused: true);
            var running = await RunningContainersAsync(client, ct);
            (around ?? (reconcile => reconcile()))(() => Reconcile(networks, running));
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Every running container, inspected (one removed meanwhile is left out).</summary>
    private static async Task<IReadOnlyList<ContainerInspectResponse>> RunningContainersAsync(DockerClient client, CancellationToken ct)
    {
        var result = new List<ContainerInspectResponse>();
        foreach (var c in await client.Containers.ListContainersAsync(new ContainersListParameters { All = false }, ct))
            if (await InspectAsync(client, c.ID, ct) is { } inspected) result.Add(inspected);
        return result;
    }

    /// <summary>The full reconcile: Docker's networks and running containers in, everything else Docker-owned out.</summary>
    private void Reconcile(IReadOnlyList<NetworkResponse> networks, IReadOnlyList<ContainerInspectResponse> running)
    {
        _reconciler.SyncNetworks(networks);
        foreach (var c in running) _reconciler.ApplyContainer(c);
        _reconciler.ReleaseAllExcept(running.Select(c => c.ID).ToHashSet());
        Reconciles++;
    }

    private async Task FollowAsync(Session session, CancellationToken ct)
    {
        await foreach (var message in session.Events.ReadAllAsync(ct))
        {
            try
            {
                await HandleAsync(session.Client, message, ct);
            }
            catch (Exception e) when (!IsConnectionLoss(e) && e is not OperationCanceledException)
            {
                // One event that cannot be applied must not stop the others; the next reconcile retries it.
                _log.LogError("Docker event {Type} {Action} {Id}: {Error}", message.Type, message.Action, DockerContainers.Short(message.Actor?.ID ?? ""), e.Message);
            }
            EventsHandled++;
        }
        await session.Monitor; // surfaces the reason the stream ended
    }

    private async Task HandleAsync(DockerClient client, Message m, CancellationToken ct)
    {
        var id = m.Actor?.ID ?? "";
        switch (m.Type, m.Action)
        {
            case ("container", "start"):
                if (await InspectAsync(client, id, ct) is { } started) _reconciler.ApplyContainer(started);
                break;
            case ("container", "die" or "destroy"):
                _reconciler.ReleaseContainer(id); // ports and flows go at once
                break;
            case ("network", "create"):
                if (await InspectNetworkAsync(client, id, ct) is { } created) _reconciler.AdoptNetwork(created);
                break;
            case ("network", "destroy"):
                _reconciler.ForgetNetwork(id);
                break;
            case ("network", "connect"):
                // Before a container's start event its connects find it not running: start adopts it then.
                if (Attribute(m, "container") is { } connected && await InspectAsync(client, connected, ct) is { State.Running: true } inspected)
                    _reconciler.ApplyContainer(inspected);
                break;
            case ("network", "disconnect"):
                if (Attribute(m, "container") is { } disconnected) _reconciler.ReleaseEndpoint(disconnected, id);
                break;
        }
    }

    private static string? Attribute(Message m, string key) => m.Actor?.Attributes is { } a && a.TryGetValue(key, out var v) ? v : null;

    private static async Task<IReadOnlyList<NetworkResponse>> BridgeNetworksAsync(DockerClient client, CancellationToken ct)
    {
        var list = await client.Networks.ListNetworksAsync(new NetworksListParameters(), ct);
        return list.Where(n => n.Driver == "bridge").ToList();
    }

    private static async Task<ContainerInspectResponse?> InspectAsync(DockerClient client, string id, CancellationToken ct)
    {
        try
        {
            return await client.Containers.InspectContainerAsync(id, ct);
        }
        catch (DockerContainerNotFoundException)
        {
            return null; // removed meanwhile; its destroy event follows
        }
    }

    private static async Task<NetworkResponse?> InspectNetworkAsync(DockerClient client, string id, CancellationToken ct)
    {
        try
        {
            return await client.Networks.InspectNetworkAsync(id, ct);
        }
        catch (DockerNetworkNotFoundException)
        {
            return null;
        }
    }

    private ulong HostNetnsInode()
        => (_hostNamespace is null ? DockerSafety.NetnsInode("/proc/self/ns/net") : _hostNamespace.Run(() => DockerSafety.NetnsInode("/proc/thread-self/ns/net")))
            ?? throw new InvalidOperationException("cannot read the Docker host's network namespace");

    private static bool IsConnectionLoss(Exception e)
        => e is DockerModeException or HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException or DockerApiException
            || e.InnerException is { } inner && IsConnectionLoss(inner);

    public void Dispose() => _session?.Dispose();

    /// <summary>One connection: the client and its event stream, written to a channel in the order dockerd sent them.</summary>
    private sealed class Session(DockerClient client, VersionResponse version, CancellationToken ct) : IDisposable, IProgress<Message>
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        private readonly Channel<Message> _events = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });

        public DockerClient Client => client;
        public VersionResponse Version => version;
        public ChannelReader<Message> Events => _events.Reader;
        public Task Monitor { get; private set; } = Task.CompletedTask;

        public void Subscribe()
        {
            var filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true, ["network"] = true },
            };
            Monitor = client.System.MonitorEventsAsync(new ContainerEventsParameters { Filters = filters }, this, _stop.Token);
            Monitor.ContinueWith(t => _events.Writer.TryComplete(), TaskScheduler.Default);
        }

        // IProgress<T>.Report is called in stream order; Progress<T> would post to the thread pool and reorder events.
        public void Report(Message value) => _events.Writer.TryWrite(value);

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
            client.Dispose();
        }
    }
}
