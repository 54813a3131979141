using System.Collections.Concurrent;
using System.Net;
using Dataplane.ControlPlane.Api;
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
/// </summary>
public sealed class ContainerEngine(DaemonState state, DataplaneEngine engine, NetworkEngine networks, Sandboxes sandboxes) : IContainerEngine
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

    private static string HostVeth(string id) => "veth" + id[..7];

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
            // container:NAME shares that sandbox's hostname and files, as in Docker.
            var hostname = plan.SharedNamespaceOf?.Hostname ?? run.Hostname ?? Ids.Short(id);
            bool ownNamespace = run.Mode.Kind is NetworkModeKind.Bridge or NetworkModeKind.None;
            using var tx = new Rollback();
            var dir = sandboxes.CreateDirectory(id, ownNamespace ? name : null);
            tx.Add("container directory", () => sandboxes.DeleteDirectory(id));
            CrashPoints.Reach("run:directory");

            IPAddress? ip = null;
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
                    var endpoint = engine.CreateEndpoint(OwnerOf(id), network.Id, sandbox, ip, HostVeth(id));
                    tx.Add("endpoint and ports", () => engine.Release(OwnerOf(id)));
                    mac = Macs.Format(endpoint.Mac);
                    CrashPoints.Reach("run:endpoint");
                    published = engine.Publish(OwnerOf(id), run.Bindings);
                    CrashPoints.Reach("run:ports");
                }
            }

            var files = SandboxFiles.Build(plan, name, hostname, ip, Sandboxes.ReadHostFile("/etc/hosts"), Sandboxes.ReadHostFile("/etc/resolv.conf"));
            Sandboxes.WriteFiles(dir, files);
            CrashPoints.Reach("run:files");

            record = new ContainerRecord(id, name, run.Mode.ToString(), run.Mode.Kind == NetworkModeKind.Bridge ? plan.Network!.Name : null,
                ip?.ToString(), mac, hostname, run.Dns.Select(d => d.ToString()).ToList(), run.ExtraHosts.Select(h => $"{h.Name}:{h.Address}").ToList(),
                run.Links, run.Env, run.Exposed.Select(e => e.ToString()).ToList(), published.Select(p => p.ToRecord()).ToList(),
                run.Command, run.Detach, run.AutoRemove, ContainerState.Created, null, null, DateTimeOffset.UtcNow,
                request.User, request.CapAdd, request.CapDrop, request.Privileged);
            state.Put(record);
            tx.Add("state", () => state.Update(d => d with { Containers = [.. d.Containers.Where(c => c.Id != id)] }));
            CrashPoints.Reach("run:recorded");

            var env = files.Env.Append($"HOSTNAME={hostname}");
            var isolation = IsolationOf(record);
            using var processNs = isolation.Network;
            var process = SandboxProcess.Start(isolation, run.Command, env, new ContainerLog(dir), code => OnExit(id, code));
            _running[id] = process;
            CrashPoints.Reach("run:spawned");
            record = record with { State = ContainerState.Running, Pid = process.Pid };
            state.Put(record);
            CrashPoints.Reach("run:running");
            tx.Commit();
            return Task.FromResult(new RunResponse(id, plan.Warnings.Concat(engine.ForwardingWarning is { } w ? [w] : []).ToList()));
        }
    }

    // The exit is recorded before the process leaves _running, so a wait never sees neither.
    private void OnExit(string id, int code)
    {
        lock (_gate)
        {
            if (Recorded(id) is { } c)
            {
                if (c.AutoRemove)
                {
                    _removedExitCodes[id] = code;
                    RemoveKernelState(id, keepLog: !c.Detached);
                }
                else
                {
                    state.Put(c with { State = ContainerState.Exited, ExitCode = code, Pid = null });
                }
            }
            _running.TryRemove(id, out _);
        }
    }

    /// <summary>The record of exactly this container (by full id), if it still exists.</summary>
    private ContainerRecord? Recorded(string id) => state.Current.Containers.FirstOrDefault(c => c.Id == id);

    public async Task<WaitResponse> WaitAsync(string name, CancellationToken ct)
    {
        if (_removedExitCodes.TryRemove(name, out var removedCode))
        {
            sandboxes.DeleteDirectory(name);
            return new WaitResponse(removedCode);
        }
        var c = Find(name);
        if (_running.TryGetValue(c.Id, out var p)) return new WaitResponse(await p.Exited.WaitAsync(ct));
        return new WaitResponse(state.View.FindContainer(c.Id)?.ExitCode ?? 0);
    }

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
        engine.Release(OwnerOf(c.Id));
        if (c.IpAddress is { } ip && c.Network is { } net && state.View.FindNetwork(net) is { } network)
            networks.Pool(network).Release(IPAddress.Parse(ip));
        CrashPoints.Reach("rm:released");
        if (c.NetworkMode is "none" || c.Network is not null) sandboxes.DeleteNamespace(c.Name);
        CrashPoints.Reach("rm:namespace");
        // The record goes last: a crash before it leaves a record whose restart finds the rest gone or removes it.
        state.Update(d => d with { Containers = [.. d.Containers.Where(x => x.Id != c.Id)] });
        CrashPoints.Reach("rm:forgotten");
        if (!keepLog) sandboxes.DeleteDirectory(c.Id);
    }

    public Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct) => Task.FromResult(Find(name).Ports);

    public Task<IReadOnlyList<PortCounters>> PortCountersAsync(string name, CancellationToken ct)
        => Task.FromResult<IReadOnlyList<PortCounters>>(engine.Ports.Counters(OwnerOf(Find(name).Id))
            .Select(p => new PortCounters(p.Port.HostIp.ToString(), p.Port.HostPort, p.Port.Container.Port, p.Port.Proto.Name(), p.Counters.Packets, p.Counters.Bytes))
            .ToList());

    private ContainerRecord Find(string name) => state.View.FindContainer(name) ?? throw DataplaneException.NotFound($"No such container: {name}");

    /// <summary>
    /// On start, before the engine reconciles ports: every recorded endpoint is attached again (binding
    /// today's maps) and its ports claimed. A container whose process still runs in its sandbox stays
    /// running and is watched; the others are marked exited. Sandboxes a crash left unrecorded go.
    /// </summary>
    public IReadOnlyList<PortPublisher.Claim> Restore()
    {
        lock (_gate)
        {
            var claims = new List<PortPublisher.Claim>();
            foreach (var c in state.Current.Containers.Where(c => c.IpAddress is not null && c.Network is not null))
            {
                var network = state.View.FindNetwork(c.Network!) ?? throw DataplaneException.Conflict($"container {c.Name}: network {c.Network} is not recorded");
                var ip = IPAddress.Parse(c.IpAddress!);
                try
                {
                    engine.RestoreEndpoint(new EndpointSpec(OwnerOf(c.Id), network.Id, HostVeth(c.Id), Macs.FromIPv4(ip), ip));
                    claims.Add(new PortPublisher.Claim(OwnerOf(c.Id), ip, c.Ports.Select(PublishedPort.FromRecord).ToList()));
                }
                catch (Interop.InteropException) when (!sandboxes.HostVethExists(HostVeth(c.Id)))
                {
                    // Its veth is gone (a crash part-way through rm, or someone deleted it): what is left
                    // stops, and the container shows as exited without ports until it is removed.
                    sandboxes.KillProcessesIn(c.Name);
                    _running.TryRemove(c.Id, out _);
                    state.Put(c with { State = ContainerState.Exited, ExitCode = c.ExitCode ?? SandboxProcess.UnknownExitCode, Pid = null, Ports = [] });
                }
            }

            // A crash between spawning a command and recording its pid: whatever runs in the sandbox goes.
            foreach (var c in state.Current.Containers.Where(c => c.State == ContainerState.Created))
            {
                if (c.NetworkMode is "none" || c.Network is not null) sandboxes.KillProcessesIn(c.Name);
                state.Put(c with { State = ContainerState.Exited, ExitCode = SandboxProcess.UnknownExitCode });
            }

            foreach (var c in state.Current.Containers.Where(c => c.State == ContainerState.Running && !_running.ContainsKey(c.Id)))
            {
                var isolation = IsolationOf(c);
                using var ns = isolation.Network;
                if (c.Pid is int pid && sandboxes.RunsIn(isolation, pid))
                    _running[c.Id] = SandboxProcess.Adopt(pid, code => OnExit(c.Id, code), new ContainerLog(sandboxes.Directory(c.Id)));
                else
                    state.Put(c with { State = ContainerState.Exited, Pid = null });
            }

            sandboxes.RemoveUnrecorded(state.Current.Containers.Select(c => c.Id).ToHashSet());
            return claims;
        }
    }
}
