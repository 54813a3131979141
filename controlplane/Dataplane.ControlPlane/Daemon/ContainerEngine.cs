using System.Collections.Concurrent;
using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Validation;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// The frontend for Dataplane's own sandboxes: validates the whole request first, then creates the
/// sandbox (namespace, files), asks the engine for its endpoint and published ports, records the
/// container and starts its command, each step's undo registered. Any failure leaves nothing behind.
/// Its other parts: the lifecycle after run (ContainerEngine.Lifecycle.cs) and a restart's restore
/// (ContainerEngine.Restore.cs).
/// </summary>
public sealed partial class ContainerEngine(DaemonState state, DataplaneEngine engine, NetworkEngine networks, Sandboxes sandboxes, EmbeddedResolver? dns = null) : IContainerEngine
{
    private readonly ConcurrentDictionary<string, SandboxProcess> _running = new();
    // Foreground --rm containers that already exited and were removed: exit code (their log stays
    // until the CLI has collected the wait).
    private readonly ConcurrentDictionary<string, int> _removedExitCodes = new();
    // Containers being removed: a second `rm` of one is refused instead of removing twice.
    private readonly HashSet<string> _removing = [];
    // One gate orders every change of a container's record and kernel state: run, exit, remove, restore.
    private readonly Lock _gate = new();

    private static Owner OwnerOf(string id) => new(OwnerKind.Dataplane, id);

    /// <summary>The engine's owner of one of a container's endpoints: the container itself for eth0 (as
    /// before `network connect` existed, so restarts find it), CONTAINER/ethN for the others.</summary>
    private static Owner OwnerOf(string id, EndpointRecord e) => e.InterfaceName == "eth0" ? OwnerOf(id) : new(OwnerKind.Dataplane, $"{id}/{e.InterfaceName}");

    private static string HostVeth(string id, EndpointRecord e) => HostVeth(id, e.InterfaceName);

    private static string HostVeth(string id, string ifName) => ifName == "eth0" ? "veth" + id[..7] : $"veth{id[..7]}-{ifName[3..]}";

    public Task<RunResponse> RunAsync(RunRequest request, CancellationToken ct)
    {
        ContainerRecord record;
        lock (_gate)
        {
            var plan = RunValidator.Validate(request, state.View);
            PrivilegeOptions.Parse(request); // refused here, before any side effect
            var run = plan.Run;
            var id = Ids.New();
            var name = run.Name ?? NameGenerator.Unique(n => state.View.FindContainer(n) is not null); // Docker's adjective_surname
            // container:NAME shares that sandbox's hostname and files, as in Docker; host mode has the host's name unless -h.
            var hostname = plan.SharedNamespaceOf?.Hostname ?? run.Hostname ?? (run.Mode.Kind == NetworkModeKind.Host ? Environment.MachineName : Ids.Short(id));
            bool ownNamespace = run.Mode.Kind is NetworkModeKind.Bridge or NetworkModeKind.None;
            using var tx = new Rollback();
            var dir = sandboxes.CreateDirectory(id, ownNamespace ? name : null);
            tx.Add("container directory", () => sandboxes.DeleteDirectory(id));
            CrashPoints.Reach("run:directory");

            IPAddress? ip = null, ip6 = null;
            string? mac = null;
            IReadOnlyList<PublishedPort> published = [];
            if (ownNamespace)
            {
                using var sandbox = sandboxes.CreateNamespace(name);
                tx.Add("sandbox namespace", () => sandboxes.DeleteNamespace(name));
                CrashPoints.Reach("run:namespace");
                if (run.Mode.Kind == NetworkModeKind.Bridge)
                {
                    var network = plan.Network!;
                    var pool = networks.Pool(network);
                    ip = run.Ip is null ? pool.Allocate() : pool.Reserve(run.Ip);
                    tx.Add("address", () => pool.Release(ip));
                    if (networks.Pool6(network) is { } pool6) // a dual-stack network: an IPv6 address too
                    {
                        ip6 = pool6.Allocate();
                        tx.Add("IPv6 address", () => pool6.Release(ip6));
                    }
                    var endpoint = engine.CreateEndpoint(OwnerOf(id), network.Id, sandbox, ip, HostVeth(id, "eth0"), ip6);
                    tx.Add("endpoint and ports", () => engine.Release(OwnerOf(id)));
                    mac = Macs.Format(endpoint.Mac);
                    CrashPoints.Reach("run:endpoint");
                    published = engine.Publish(OwnerOf(id), run.Bindings);
                    CrashPoints.Reach("run:ports");
                    if (network.Name != NetworkRecord.DefaultName && dns is { } resolver)
                    {
                        AttachDns(id, sandbox, run.Dns.Select(d => d.ToString()).ToList());
                        tx.Add("embedded DNS", () => resolver.Detach(id));
                    }
                }
            }

            var files = SandboxFiles.Build(plan, name, hostname, ip, Sandboxes.ReadHostFile("/etc/hosts"), Sandboxes.ReadHostFile("/etc/resolv.conf"));
            var env = files.Env.Append($"HOSTNAME={hostname}").ToList();
            Sandboxes.WriteFiles(dir, files, env);
            CrashPoints.Reach("run:files");

            IReadOnlyList<EndpointRecord> endpoints = run.Mode.Kind == NetworkModeKind.Bridge
                ? [new EndpointRecord(plan.Network!.Name, ip?.ToString(), mac, run.Aliases is { Count: > 0 } a ? a : null, ip6?.ToString(), "eth0")]
                : [];
            record = new ContainerRecord(id, name, run.Mode.ToString(), endpoints, hostname, run.Dns.Select(d => d.ToString()).ToList(), run.ExtraHosts.Select(h => $"{h.Name}:{h.Address}").ToList(),
                run.Links, run.Env, ExposedPorts.ToRecords(run.Exposed), PublishedPort.ToRecords(published),
                run.Command, run.Detach, run.AutoRemove, ContainerState.Created, null, null, DateTimeOffset.UtcNow,
                request.User, request.CapAdd, request.CapDrop, request.Privileged, Publish: request.Publish ?? [], PublishAll: request.PublishAll);
            state.Put(record);
            tx.Add("state", () => state.Update(d => d with { Containers = [.. d.Containers.Where(c => c.Id != id)] }));
            CrashPoints.Reach("run:recorded");

            var isolation = IsolationOf(record);
            using var processNs = isolation.Network;
            var process = SandboxProcess.Start(isolation, run.Command, env, new ContainerLog(dir), code => OnExit(id, code));
            _running[id] = process;
            CrashPoints.Reach("run:spawned");
            record = record with { State = ContainerState.Running, Pid = process.Pid, StartedAt = DateTimeOffset.UtcNow };
            state.Put(record);
            CrashPoints.Reach("run:running");
            tx.Commit();
            return Task.FromResult(new RunResponse(id, plan.Warnings.Concat(engine.ForwardingWarning is { } w ? [w] : []).ToList()));
        }
    }

    /// <summary>The record of exactly this container (by full id), if it still exists.</summary>
    private ContainerRecord? Recorded(string id) => state.Current.Containers.FirstOrDefault(c => c.Id == id);

    private ExecSessions? _execs;
    private ExecSessions Execs => LazyInitializer.EnsureInitialized(ref _execs, () => new ExecSessions(Find, IsolationOf));

    public Task<ExecCreateResponse> CreateExecAsync(string name, ExecRequest request, CancellationToken ct) => Task.FromResult(Execs.Create(name, request));

    public Task<IExecAttachment?> StartExecAsync(string id, bool attach, CancellationToken ct) => Task.FromResult(Execs.Start(id, attach));

    public Task ResizeExecAsync(string id, int rows, int columns, CancellationToken ct)
    {
        Execs.Resize(id, rows, columns);
        return Task.CompletedTask;
    }

    public Task<ExecInspectResponse> InspectExecAsync(string id, CancellationToken ct) => Task.FromResult(Execs.Inspect(id));

    private ProcessIsolation IsolationOf(ContainerRecord c)
        => sandboxes.IsolationOf(c, c.NetworkMode.StartsWith("container:", StringComparison.Ordinal) ? Find(c.NetworkMode["container:".Length..]) : c);

    public Task<IReadOnlyList<ContainerRecord>> ListAsync(CancellationToken ct) => Task.FromResult(state.Current.Containers);

    public Task<ContainerRecord> InspectAsync(string name, CancellationToken ct) => Task.FromResult(Find(name));

    public Task WriteLogsAsync(string name, LogOptions options, Stream output, CancellationToken ct)
    {
        var id = _removedExitCodes.ContainsKey(name) ? name : Find(name).Id;
        return new ContainerLog(sandboxes.Directory(id)).WriteAsync(options, _running.TryGetValue(id, out var p) ? p.Exited : null, output, ct);
    }

    public Task RemoveAsync(string name, bool force, CancellationToken ct)
    {
        ContainerRecord c;
        SandboxProcess? process;
        lock (_gate)
        {
            c = Find(name);
            if (_running.TryGetValue(c.Id, out process) && !force)
                throw DataplaneException.Conflict($"You cannot remove a running container {c.Id}. Stop the container before attempting removal or force remove");
            if (!_removing.Add(c.Id))
                throw DataplaneException.Conflict($"removal of container {c.Name} is already in progress");
        }
        try
        {
            // Killed outside the gate: its exit (OnExit) takes the gate, and an auto-removed container may be gone after it.
            if (process is not null)
            {
                process.Kill();
                process.Exited.Wait(TimeSpan.FromSeconds(10), ct);
            }
            CrashPoints.Reach("rm:killed");
            lock (_gate)
                RemoveKernelState(c.Id);
        }
        finally
        {
            lock (_gate)
                _removing.Remove(c.Id);
        }
        return Task.CompletedTask;
    }

    /// <summary>Releases endpoint and ports (flushing the flows) and the address; removes namespace,
    /// files and state. Acts on the record of this id as it is now (nothing when it is already gone),
    /// never on a stale copy: a new container may have taken the name. Called under the gate.</summary>
    private void RemoveKernelState(string id, bool keepLog = false)
    {
        if (Recorded(id) is not { } c) return;
        ReleaseEndpoints(c);
        foreach (var e in c.Endpoints)
            if (state.View.FindNetwork(e.Network) is { } network)
            {
                if (e.IpAddress is { } ip) networks.Pool(network).Release(IPAddress.Parse(ip));
                if (e.GlobalIPv6Address is { } ip6) networks.Pool6(network)?.Release(IPAddress.Parse(ip6));
            }
        CrashPoints.Reach("rm:released");
        dns?.Detach(c.Id);
        // Dependants (container:NAME) that still run keep the namespace and go on in it, as Docker's do.
        if (c.OwnsNamespace && SharedByRunning(c)) sandboxes.ForgetNamespace(c.Name);
        else if (c.OwnsNamespace) sandboxes.DeleteNamespace(c.Name);
        CrashPoints.Reach("rm:namespace");
        // The record goes last: a crash before it leaves a record whose restart finds the rest gone or removes it.
        state.Update(d => d with { Containers = [.. d.Containers.Where(x => x.Id != c.Id)] });
        CrashPoints.Reach("rm:forgotten");
        if (!keepLog) sandboxes.DeleteDirectory(c.Id);
    }

    public Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct) => Task.FromResult(Find(name).Ports);

    public Task<IReadOnlyList<PortCounters>> PortCountersAsync(string name, CancellationToken ct)
        => Task.FromResult<IReadOnlyList<PortCounters>>(engine.Ports.Counters(PortsOwnerOf(Find(name)))
            .Select(p => new PortCounters(p.Port.HostIp.ToString(), p.Port.HostPort, p.Port.Container.Port, p.Port.Proto.Name(), p.Counters.Packets, p.Counters.Bytes))
            .ToList());

    /// <summary>The embedded resolver's sockets in a sandbox on a user-defined network; its upstreams are
    /// the --dns servers or the host's, read now (when the container starts), as Docker.</summary>
    private void AttachDns(string id, NetworkNamespace sandbox, IReadOnlyList<string> dnsServers)
        => dns?.Attach(id, sandbox, Upstreams.For(dnsServers, Sandboxes.ReadHostFile("/etc/resolv.conf")));

    private ContainerRecord Find(string name) => state.View.FindContainer(name) ?? throw DataplaneException.NotFound($"No such container: {name}");
}
