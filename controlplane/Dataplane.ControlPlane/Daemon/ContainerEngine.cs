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
    private readonly Lock _gate = new();

    private static Owner OwnerOf(string id) => new(OwnerKind.Dataplane, id);

    private static string HostVeth(string id) => "veth" + id[..7];

    public Task<RunResponse> RunAsync(RunRequest request, CancellationToken ct)
    {
        ContainerRecord record;
        lock (_gate)
        {
            var plan = RunValidator.Validate(request, state.View);
            var run = plan.Run;
            var id = Ids.New();
            var name = run.Name ?? Ids.Short(id);
            // container:NAME shares that sandbox's hostname and files, as in Docker.
            var hostname = plan.SharedNamespaceOf?.Hostname ?? run.Hostname ?? Ids.Short(id);
            bool ownNamespace = run.Mode.Kind is NetworkModeKind.Bridge or NetworkModeKind.None;
            using var tx = new Rollback();
            var dir = sandboxes.CreateDirectory(id, ownNamespace ? name : null);
            tx.Add("container directory", () => sandboxes.DeleteDirectory(id));

            IPAddress? ip = null;
            string? mac = null;
            IReadOnlyList<PublishedPort> published = [];
            if (ownNamespace)
            {
                using var sandbox = sandboxes.CreateNamespace(name);
                tx.Add("sandbox namespace", () => sandboxes.DeleteNamespace(name));
                if (run.Mode.Kind == NetworkModeKind.Bridge)
                {
                    var network = plan.Network!;
                    var pool = networks.Pool(network);
                    ip = run.Ip is null ? pool.Allocate() : pool.Reserve(run.Ip);
                    tx.Add("address", () => pool.Release(ip));
                    var endpoint = engine.CreateEndpoint(OwnerOf(id), network.Id, sandbox, ip, HostVeth(id));
                    tx.Add("endpoint and ports", () => engine.Release(OwnerOf(id)));
                    mac = Macs.Format(endpoint.Mac);
                    published = engine.Publish(OwnerOf(id), run.Bindings);
                }
            }

            var files = SandboxFiles.Build(plan, name, hostname, ip, Sandboxes.ReadHostFile("/etc/hosts"), Sandboxes.ReadHostFile("/etc/resolv.conf"));
            Sandboxes.WriteFiles(dir, files);

            record = new ContainerRecord(id, name, run.Mode.ToString(), run.Mode.Kind == NetworkModeKind.Bridge ? plan.Network!.Name : null,
                ip?.ToString(), mac, hostname, run.Dns.Select(d => d.ToString()).ToList(), run.ExtraHosts.Select(h => $"{h.Name}:{h.Address}").ToList(),
                run.Links, run.Env, run.Exposed.Select(e => e.ToString()).ToList(), published.Select(p => p.ToRecord()).ToList(),
                run.Command, run.Detach, run.AutoRemove, ContainerState.Created, null, null, DateTimeOffset.UtcNow);
            state.Put(record);
            tx.Add("state", () => state.Update(d => d with { Containers = [.. d.Containers.Where(c => c.Id != id)] }));

            var env = files.Env.Append($"HOSTNAME={hostname}");
            var isolation = IsolationOf(record);
            using var processNs = isolation.Network;
            var process = SandboxProcess.Start(isolation, run.Command, env, Path.Combine(dir, "log"), code => OnExit(id, code));
            _running[id] = process;
            record = record with { State = ContainerState.Running, Pid = process.Pid };
            state.Put(record);
            tx.Commit();
            return Task.FromResult(new RunResponse(id, plan.Warnings.Concat(engine.ForwardingWarning is { } w ? [w] : []).ToList()));
        }
    }

    // The exit is recorded before the process leaves _running, so a wait never sees neither.
    private void OnExit(string id, int code)
    {
        if (state.View.FindContainer(id) is { } c)
        {
            if (c.AutoRemove)
            {
                _removedExitCodes[id] = code;
                RemoveKernelState(c, keepLog: !c.Detached);
            }
            else
            {
                state.Put(c with { State = ContainerState.Exited, ExitCode = code, Pid = null });
            }
        }
        _running.TryRemove(id, out _);
    }

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

    public Task<ExecResponse> ExecAsync(string name, ExecRequest request, CancellationToken ct)
    {
        var c = Find(name);
        if (c.State != ContainerState.Running) throw DataplaneException.Conflict($"Container {c.Id} is not running");
        var isolation = IsolationOf(c);
        using var ns = isolation.Network;
        var (exit, stdout, stderr) = Exec(isolation, request.Command);
        return Task.FromResult(new ExecResponse(exit, stdout, stderr));
    }

    private ProcessIsolation IsolationOf(ContainerRecord c)
        => sandboxes.IsolationOf(c, c.NetworkMode.StartsWith("container:", StringComparison.Ordinal) ? Find(c.NetworkMode["container:".Length..]) : c);

    private static (int, string, string) Exec(ProcessIsolation isolation, IReadOnlyList<string> command)
    {
        if (command.Count == 0) throw DataplaneException.Invalid("No exec command specified");
        var info = new System.Diagnostics.ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        using var p = isolation.Run(() => System.Diagnostics.Process.Start(info)!);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public Task<IReadOnlyList<ContainerRecord>> ListAsync(CancellationToken ct) => Task.FromResult(state.Current.Containers);

    public Task<ContainerRecord> InspectAsync(string name, CancellationToken ct) => Task.FromResult(Find(name));

    public async Task WriteLogsAsync(string name, bool follow, Stream output, CancellationToken ct)
    {
        var id = _removedExitCodes.ContainsKey(name) ? name : Find(name).Id;
        var path = Path.Combine(sandboxes.Directory(id), "log");
        if (!File.Exists(path)) return;
        await using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        while (true)
        {
            await log.CopyToAsync(output, ct);
            await output.FlushAsync(ct);
            if (!follow || !_running.TryGetValue(id, out var p)) break;
            await Task.WhenAny(p.Exited, Task.Delay(100, ct));
            if (p.Exited.IsCompleted) { await log.CopyToAsync(output, ct); break; }
        }
    }

    public Task RemoveAsync(string name, bool force, CancellationToken ct)
    {
        var c = Find(name);
        if (_running.TryGetValue(c.Id, out var p))
        {
            if (!force)
                throw DataplaneException.Conflict($"You cannot remove a running container {c.Id}. Stop the container before attempting removal or force remove");
            p.Kill();
            p.Exited.Wait(TimeSpan.FromSeconds(10), ct);
        }
        RemoveKernelState(c);
        return Task.CompletedTask;
    }

    /// <summary>Releases endpoint and ports (flushing the flows) and the address; removes namespace, files and state.</summary>
    private void RemoveKernelState(ContainerRecord c, bool keepLog = false)
    {
        lock (_gate)
        {
            engine.Release(OwnerOf(c.Id));
            if (c.IpAddress is { } ip && c.Network is { } net && state.View.FindNetwork(net) is { } network)
                networks.Pool(network).Release(IPAddress.Parse(ip));
            if (c.NetworkMode is "none" || c.Network is not null) sandboxes.DeleteNamespace(c.Name);
            if (!keepLog) sandboxes.DeleteDirectory(c.Id);
            state.Update(d => d with { Containers = [.. d.Containers.Where(x => x.Id != c.Id)] });
        }
    }

    public Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct) => Task.FromResult(Find(name).Ports);

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
                engine.RestoreEndpoint(new EndpointSpec(OwnerOf(c.Id), network.Id, HostVeth(c.Id), Macs.FromIPv4(ip), ip));
                claims.Add(new PortPublisher.Claim(OwnerOf(c.Id), ip, c.Ports.Select(PublishedPort.FromRecord).ToList()));
            }

            foreach (var c in state.Current.Containers.Where(c => c.State == ContainerState.Running && !_running.ContainsKey(c.Id)))
            {
                var isolation = IsolationOf(c);
                using var ns = isolation.Network;
                if (c.Pid is int pid && sandboxes.RunsIn(isolation, pid))
                    _running[c.Id] = SandboxProcess.Adopt(pid, code => OnExit(c.Id, code));
                else
                    state.Put(c with { State = ContainerState.Exited, Pid = null });
            }

            sandboxes.RemoveUnrecorded(state.Current.Containers.Select(c => c.Id).ToHashSet());
            return claims;
        }
    }
}
