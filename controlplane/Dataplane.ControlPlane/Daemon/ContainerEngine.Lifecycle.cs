using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Validation;
using Dataplane.Interop.Processes;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// A container's life after run, as Docker: when its process exits (any way) its published ports are
/// unpublished, their flows flushed and host ports freed, and its veth deleted; the sandbox (namespace,
/// files) and its address stay, so `start` runs the command again there with the same name and
/// address, the same fixed host ports and new ones for -P. stop, kill, restart and wait on top.
/// </summary>
public sealed partial class ContainerEngine
{
    private const int DefaultStopSeconds = 10;

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
                    ReleaseNetwork(c);
                    CrashPoints.Reach("exit:released");
                    state.Put(c with { State = ContainerState.Exited, ExitCode = code, Pid = null, FinishedAt = DateTimeOffset.UtcNow, Ports = [] });
                }
            }
            _running.TryRemove(id, out _);
        }
    }

    /// <summary>What a stopped container gives back: its ports (flows flushed, host ports freed) and its
    /// veth; what its command left running in the sandbox goes, unless another running container
    /// shares that namespace (container:NAME). The address stays reserved for `start`.</summary>
    private void ReleaseNetwork(ContainerRecord c)
    {
        ReleaseEndpoints(c);
        if (c.OwnsNamespace && !SharedByRunning(c))
            sandboxes.KillProcessesIn(c.Name);
    }

    private bool SharedByRunning(ContainerRecord owner) =>
        state.Current.Containers.Any(d => d.Id != owner.Id && d.State == ContainerState.Running && SharesNamespaceOf(d, owner));

    private static bool SharesNamespaceOf(ContainerRecord dependant, ContainerRecord owner) =>
        dependant.NetworkMode == "container:" + owner.Name || dependant.NetworkMode == "container:" + owner.Id;

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

    public async Task StopAsync(string name, int? timeout, CancellationToken ct)
    {
        var c = Find(name);
        if (!_running.TryGetValue(c.Id, out var process)) return; // Docker: stopping a stopped container succeeds
        process.Signal(Signals.SIGTERM);
        int seconds = timeout ?? DefaultStopSeconds;
        if (seconds < 0)
        {
            await process.Exited.WaitAsync(ct);
            return;
        }
        try
        {
            await process.Exited.WaitAsync(TimeSpan.FromSeconds(seconds), ct);
        }
        catch (TimeoutException)
        {
            process.Kill();
            await process.Exited.WaitAsync(ct);
        }
    }

    public async Task KillAsync(string name, string? signal, CancellationToken ct)
    {
        int number = signal is null or "" ? Signals.SIGKILL : SignalNames.Parse(signal); // moby checks the signal first
        var c = Find(name);
        if (!_running.TryGetValue(c.Id, out var process))
            throw DataplaneException.Conflict($"cannot kill container: {name}: container {c.Id} is not running");
        if (number != Signals.SIGKILL)
        {
            process.Signal(number);
            return;
        }
        process.Kill();
        await process.Exited.WaitAsync(ct); // as Docker, a SIGKILL returns once the container is down
    }

    public async Task RestartAsync(string name, int? timeout, CancellationToken ct)
    {
        await StopAsync(name, timeout, ct);
        await StartAsync(name, ct);
    }

    public Task StartAsync(string name, CancellationToken ct)
    {
        lock (_gate)
        {
            var c = Find(name);
            if (_running.ContainsKey(c.Id)) return Task.CompletedTask; // Docker: starting a running container succeeds
            if (_removing.Contains(c.Id))
                throw DataplaneException.Conflict($"removal of container {c.Name} is already in progress");
            if (c.NetworkMode.StartsWith("container:", StringComparison.Ordinal))
            {
                var target = c.NetworkMode["container:".Length..];
                var owner = state.View.FindContainer(target) ?? throw DataplaneException.NotFound($"joining network namespace of container: No such container: {target}");
                if (owner.State != ContainerState.Running)
                    throw DataplaneException.Conflict($"cannot join network of a non running container: {owner.Name}");
            }

            using var tx = new Rollback();
            IReadOnlyList<PublishedPort> published = [];
            if (c.Endpoints.Count > 0)
            {
                using (var sandbox = sandboxes.OpenNamespace(c.Name))
                    foreach (var e in c.Endpoints)
                    {
                        CreateEndpoint(c, e, sandbox, defaultRoute: e == c.Primary);
                        tx.Add($"endpoint on {e.Network}", () => engine.Release(OwnerOf(c.Id, e)));
                    }
                CrashPoints.Reach("start:endpoint");
                published = engine.Publish(PortsOwnerOf(c), BindingsOf(c));
                CrashPoints.Reach("start:ports");
            }

            var env = sandboxes.ReadEnvironment(c.Id) ?? [.. c.Env, $"HOSTNAME={c.Hostname}"];
            var isolation = IsolationOf(c);
            using (isolation.Network)
            {
                var process = SandboxProcess.Start(isolation, c.Command, env, new ContainerLog(sandboxes.Directory(c.Id)), code => OnExit(c.Id, code));
                _running[c.Id] = process;
                CrashPoints.Reach("start:spawned");
                state.Put(c with
                {
                    State = ContainerState.Running, Pid = process.Pid, ExitCode = null, StartedAt = DateTimeOffset.UtcNow,
                    Ports = PublishedPort.ToRecords(published),
                });
            }
            CrashPoints.Reach("start:running");
            tx.Commit();
            return Task.CompletedTask;
        }
    }

    /// <summary>The -p and -P of run again: fixed host ports as they were, -P and ranges allocated anew.</summary>
    private static IReadOnlyList<PortBinding> BindingsOf(ContainerRecord c)
    {
        var bindings = (c.Publish ?? []).SelectMany(PortSpecParser.Parse).ToList();
        return ExposedPorts.WithPublishAll(ExposedPorts.FromRecords(c.ExposedPorts).ToList(), bindings, c.PublishAll);
    }
}
