using System.Collections.Concurrent;
using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Validation;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// Sandboxes: validate the whole request first, then apply every kernel step with its undo
/// registered (namespace, veth, address, published ports, held host ports), persist, and start the
/// command. Any failure leaves nothing behind.
/// </summary>
public sealed class ContainerEngine(DaemonState state, NetworkHost host, NetworkEngine networks, HostPortAllocator ports, string stateDirectory) : IContainerEngine
{
    private readonly ConcurrentDictionary<string, SandboxProcess> _running = new();
    // Every live published port's mapping id (guarded by _gate, like the pool).
    private readonly Dictionary<(string Id, PublishedPort Port), uint> _mappingIds = [];
    private readonly MappingIdPool _mappingIdPool = new(host.Maps.MappingIdLimit);
    // Foreground --rm containers that already exited and were removed: exit code (their log stays
    // until the CLI has collected the wait).
    private readonly ConcurrentDictionary<string, int> _removedExitCodes = new();
    private readonly Lock _gate = new();

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
            using var tx = new Rollback();
            var dir = Directory.CreateDirectory(ContainerDirectory(id)).FullName;
            tx.Add("container directory", () => Directory.Delete(dir, recursive: true));

            IPAddress? ip = null;
            string? mac = null;
            IReadOnlyList<PublishedPort> published = [];
            NetworkNamespace? sandbox = null;
            if (run.Mode.Kind is NetworkModeKind.Bridge or NetworkModeKind.None)
            {
                // Claimed before it exists: after a crash, reconcile deletes only namespaces it can prove are ours.
                File.WriteAllText(Path.Combine(dir, SandboxClaim), host.SandboxNamespaceName(name));
                sandbox = host.CreateSandbox(name);
                tx.Add("sandbox namespace", () => { sandbox.Dispose(); host.DeleteSandbox(name); });
            }
            if (run.Mode.Kind == NetworkModeKind.Bridge)
            {
                var network = plan.Network!;
                var pool = networks.Pool(network);
                ip = run.Ip is null ? pool.Allocate() : pool.Reserve(run.Ip);
                tx.Add("address", () => pool.Release(ip));
                var endpoint = host.Connect(sandbox!, name, NetworkEngine.ToBridge(network), ip, "veth" + id[..7]);
                tx.Add("endpoint", () => host.Disconnect(endpoint));
                mac = endpoint.Mac.ToString();
                published = ports.AllocateAll(run.Bindings);
                tx.Add("host ports", () => { foreach (var p in published) ports.Release(p); });
                var mappings = published.Select(p => Mapping(id, p, ip)).ToList();
                tx.Add("mapping ids", () => { foreach (var p in published) ReleaseMappingId(id, p); });
                if (mappings.Count > 0)
                {
                    host.Publish(mappings);
                    tx.Add($"publish {mappings.Count} ports", () => host.Unpublish(mappings));
                }
            }

            var files = SandboxFiles.Build(plan, name, hostname, ip, ReadHostFile("/etc/hosts"), ReadHostFile("/etc/resolv.conf"));
            File.WriteAllText(Path.Combine(dir, "hosts"), files.Hosts);
            File.WriteAllText(Path.Combine(dir, "resolv.conf"), files.ResolvConf);
            File.WriteAllText(Path.Combine(dir, "hostname"), files.Hostname);

            record = new ContainerRecord(id, name, run.Mode.ToString(), run.Mode.Kind == NetworkModeKind.Bridge ? plan.Network!.Name : null,
                ip?.ToString(), mac, hostname, run.Dns.Select(d => d.ToString()).ToList(), run.ExtraHosts.Select(h => $"{h.Name}:{h.Address}").ToList(),
                run.Links, run.Env, run.Exposed.Select(e => e.ToString()).ToList(),
                published.Select(p => new PortMappingRecord(p.HostIp.ToString(), p.HostPort, p.Container.Port, p.Container.Proto.ToString().ToLowerInvariant())).ToList(),
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
            return Task.FromResult(new RunResponse(id, plan.Warnings.Concat(host.ForwardingWarning is { } w ? [w] : []).ToList()));
        }
    }

    private PortMapping Mapping(string id, PublishedPort p, IPAddress ip) => Mapping(MappingId(id, p), p, ip);

    private uint MappingId(string id, PublishedPort p)
    {
        if (!_mappingIds.TryGetValue((id, p), out var mappingId))
            _mappingIds[(id, p)] = mappingId = _mappingIdPool.Take();
        return mappingId;
    }

    /// <summary>The id a port had (0 when it had none), now free for another mapping.</summary>
    private uint ReleaseMappingId(string id, PublishedPort p)
    {
        if (!_mappingIds.Remove((id, p), out var mappingId)) return 0;
        _mappingIdPool.Release(mappingId);
        return mappingId;
    }

    private static PortMapping Mapping(uint mappingId, PublishedPort p, IPAddress ip)
        => new(mappingId, p.HostIp.Equals(IPAddress.Any) ? null : p.HostIp,
            p.Container.Proto == Proto.Udp ? DataPathAbi.ProtoUdp : DataPathAbi.ProtoTcp, (ushort)p.HostPort, ip, (ushort)p.Container.Port);

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
            DeleteContainerDirectory(name);
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

    /// <summary>
    /// What a container's processes see: its sandbox's network, hostname and private /etc/hosts,
    /// /etc/resolv.conf and /etc/hostname (those of the sandbox it joined for container:NAME); host
    /// mode sees the host's. The caller disposes the namespace handle.
    /// </summary>
    private ProcessIsolation IsolationOf(ContainerRecord c)
    {
        if (c.NetworkMode == "host") return new ProcessIsolation(null);
        var owner = c.NetworkMode.StartsWith("container:", StringComparison.Ordinal) ? Find(c.NetworkMode["container:".Length..]) : c;
        var dir = ContainerDirectory(owner.Id);
        var binds = new[] { "hosts", "resolv.conf", "hostname" }
            .Select(f => new BindMount(Path.Combine(dir, f), "/etc/" + f))
            .Where(b => File.Exists(b.Target)) // nothing to bind over on hosts without the file
            .ToList();
        return new ProcessIsolation(host.OpenSandbox(owner.Name), owner.Hostname, binds);
    }

    private static string ReadHostFile(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private string ContainerDirectory(string id) => Path.Combine(stateDirectory, "containers", id);

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
        var path = Path.Combine(stateDirectory, "containers", id, "log");
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

    /// <summary>Unpublishes (flushing the flows), frees ports and address, removes veth, namespace, files and state.</summary>
    private void RemoveKernelState(ContainerRecord c, bool keepLog = false)
    {
        lock (_gate)
        {
            if (c.IpAddress is { } ipText && c.Network is { } net && state.View.FindNetwork(net) is { } network)
            {
                var ip = IPAddress.Parse(ipText);
                var published = Published(c).ToList();
                host.Unpublish(published.Select(p => Mapping(ReleaseMappingId(c.Id, p), p, ip)).ToList());
                foreach (var p in published)
                    ports.Release(p);
                host.Disconnect(new SandboxEndpoint(c.Name, "veth" + c.Id[..7], ip, Macs.FromIPv4(ip), 0));
                networks.Pool(network).Release(ip);
            }
            if (c.NetworkMode is "none" || c.Network is not null) host.DeleteSandbox(c.Name);
            if (!keepLog) DeleteContainerDirectory(c.Id);
            state.Update(d => d with { Containers = [.. d.Containers.Where(x => x.Id != c.Id)] });
        }
    }

    private void DeleteContainerDirectory(string id)
    {
        var dir = ContainerDirectory(id);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct) => Task.FromResult(Find(name).Ports);

    private ContainerRecord Find(string name) => state.View.FindContainer(name) ?? throw DataplaneException.NotFound($"No such container: {name}");

    /// <summary>
    /// On start: adopts what the kernel kept and repairs what it lost. Published ports keep the mapping
    /// ids the kernel holds (their flows and counters stay theirs); a port the state wants but the
    /// kernel lacks (or points elsewhere) is published again; a port no container wants is removed
    /// with its flows. A container whose process still runs in its sandbox stays running and is
    /// watched; the others are marked exited. Sandboxes a crash left unrecorded go.
    /// </summary>
    public void Reconcile()
    {
        lock (_gate)
        {
            var kernel = host.Maps.PortMappings().ToDictionary(Slot);
            var missing = new List<(string Id, PublishedPort Port, IPAddress Ip)>();
            foreach (var c in state.Current.Containers.Where(c => c.IpAddress is not null))
            {
                var ip = IPAddress.Parse(c.IpAddress!);
                foreach (var p in Published(c))
                {
                    var slot = Slot(Mapping(0u, p, ip));
                    if (kernel.Remove(slot, out var there) && there.ContainerAddress.Equals(ip) && there.ContainerPort == p.Container.Port)
                    {
                        _mappingIds[(c.Id, p)] = there.Id;
                        _mappingIdPool.Adopt(there.Id);
                    }
                    else
                        missing.Add((c.Id, p, ip));
                }
            }
            host.Unpublish(kernel.Values.ToList()); // unwanted, or pointing at the wrong place
            host.Publish(missing.Select(m => Mapping(m.Id, m.Port, m.Ip)).ToList());

            foreach (var c in state.Current.Containers.Where(c => c.State == ContainerState.Running && !_running.ContainsKey(c.Id)))
            {
                if (c.Pid is int pid && RunsInItsSandbox(c, pid))
                    _running[c.Id] = SandboxProcess.Adopt(pid, code => OnExit(c.Id, code));
                else
                    state.Put(c with { State = ContainerState.Exited, Pid = null });
            }

            RemoveUnrecordedSandboxes();
        }
    }

    private const string SandboxClaim = "sandbox";

    /// <summary>
    /// A crash between creating a sandbox and recording its container leaves a container directory
    /// with no record: its claimed namespace and the directory go. Namespaces nobody claimed (an
    /// operator's own, even with our prefix) are never touched.
    /// </summary>
    private void RemoveUnrecordedSandboxes()
    {
        var root = Path.Combine(stateDirectory, "containers");
        if (!Directory.Exists(root)) return;
        var recorded = state.Current.Containers.Select(c => c.Id).ToHashSet();
        foreach (var dir in Directory.GetDirectories(root).Where(d => !recorded.Contains(Path.GetFileName(d))))
        {
            var claim = Path.Combine(dir, SandboxClaim);
            if (File.Exists(claim)) NetworkNamespace.Delete(File.ReadAllText(claim));
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (string, byte, ushort) Slot(PortMapping m) => (m.HostAddress?.ToString() ?? "0.0.0.0", m.Proto, m.HostPort);

    internal static IEnumerable<PublishedPort> Published(ContainerRecord c) => c.Ports.Select(r => new PublishedPort(IPAddress.Parse(r.HostIp), r.HostPort,
        new ContainerPort(r.ContainerPort, r.Proto == "udp" ? Proto.Udp : Proto.Tcp)));

    private bool RunsInItsSandbox(ContainerRecord c, int pid)
    {
        if (!SandboxProcess.IsAlive(pid)) return false;
        using var isolation = IsolationOf(c).Network;
        if (isolation is null) return true; // host mode: nothing more to compare
        try
        {
            using var its = NetworkNamespace.OpenPid(pid);
            return its.Cookie == isolation.Cookie; // not another process that took the pid
        }
        catch (Interop.InteropException)
        {
            return false;
        }
    }
}
