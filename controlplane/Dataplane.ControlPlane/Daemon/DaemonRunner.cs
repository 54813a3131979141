using System.Runtime.InteropServices;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Frontends.Cni;
using Dataplane.ControlPlane.Frontends.Docker;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Observability;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.State;
using Dataplane.Interop.Namespaces;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// `dataplane daemon`: loads or adopts the data path, restores networks and published ports from
/// the persisted state, serves the API on its Unix socket, sweeps expired conntrack entries, and
/// stops on SIGTERM/SIGINT leaving the data path in place (flows keep going while it is away).
/// </summary>
public static class DaemonRunner
{
    public static async Task<int> RunAsync(DaemonOptions options, CancellationToken ct)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        var log = loggers.CreateLogger("dataplane");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        Directory.CreateDirectory(options.StateDirectory);
        using var exclusive = StateDirectoryLock.Acquire(options.StateDirectory);
        var state = new DaemonState(new StateStore(options.StateDirectory));
        using var host = NetworkHost.Start(options, log);
        if (host.ForwardingWarning is { } warning) log.LogWarning("{Warning}", warning);
        foreach (var obsolete in options.ConfigurationWarnings) log.LogWarning("{Warning}", obsolete);

        // The engine, then each frontend restores what it owns before the ports are reconciled once for all.
        var probe = host.CreatePortProbe(options.HoldHostPorts);
        var ports = new PortPublisher(host.PortMap, new HostPortAllocator(options.ParsePublishAllRange(), probe));
        var engine = new DataplaneEngine(host, ports);
        var networks = new NetworkEngine(state, engine);
        networks.Restore(options.DefaultBridgeName, Ipv4Subnet.Parse(options.DefaultBridgeSubnet), options.DefaultBridgeSubnetV6);
        using var dns = new EmbeddedResolver(() => state.Current);
        var containers = new ContainerEngine(state, engine, networks, new Sandboxes(host, options.StateDirectory,
            [options.StateDirectory, Path.GetDirectoryName(Path.GetFullPath(options.SocketPath))!, options.DataPath.PinDirectory, NetworkNamespace.NamedRoot]), dns);
        var cni = new CniFrontend(engine, new CniAttachmentStore(options.StateDirectory), log: log);
        using var dockerHost = options.Docker is not null && options.Namespace is { } managed ? NetworkNamespace.Open(managed) : null;
        using var docker = options.Docker is null ? null : new DockerFrontend(DockerApi.ParseEndpoint(options.Docker), engine, log, dockerHost);
        List<PortPublisher.Claim> claims = [.. containers.Restore(), .. cni.Restore()];
        if (docker is not null) claims.AddRange(await RestoreDockerAsync(docker, stop.Token));
        ports.Reconcile(claims);
        var gc = new ConntrackGc(host.SweepConntrack, () => host.DataPath.Maps.DropCount(DropReason.CtFull));
        using var observability = new ObservabilityService(host.DataPath, containers, gc, options, host.Uplinks, log);
        observability.Metrics.ReconcileRuns.Inc();
        var following = docker?.RunAsync(stop.Token) ?? Task.CompletedTask;

        // Each frontend that talks to the daemon over its socket adds its routes here.
        await using var server = await ApiServer.StartAsync(options.SocketPath, api => api.MapObservabilityApi(observability).MapDataplaneApi(networks, containers).MapCniApi(cni),
            b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning), stop.Token);
        log.LogInformation("dataplane daemon ready: API on unix://{Socket}, uplinks {Uplinks}", options.SocketPath, string.Join(", ", host.Uplinks));

        await using var metrics = options.MetricsAddress is { } address ? await MetricsListener.StartAsync(address, observability.Metrics, stop.Token) : null;
        if (metrics is not null) log.LogInformation("metrics on http://{Address}/metrics", options.MetricsAddress);

        try
        {
            // The interval adapts to what each sweep found; a refused flow brings a sweep forward (ConntrackGc).
            await gc.RunAsync(removed =>
            {
                if (removed > 0) log.LogDebug("conntrack sweep removed {Count} entries, next in {Interval}", removed, gc.Interval);
            }, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await following;
        log.LogInformation("dataplane daemon stopping; the data path stays in place");
        return 0;
    }

    private static async Task<IReadOnlyList<PortPublisher.Claim>> RestoreDockerAsync(DockerFrontend docker, CancellationToken ct)
    {
        try
        {
            return await docker.RestoreAsync(ct);
        }
        catch (DockerModeException e)
        {
            throw DataplaneException.Invalid($"Docker mode: {e.Message}");
        }
    }
}
