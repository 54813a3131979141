using System.Net;
using System.Text;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Tests.Cli;

/// <summary>
/// An in-memory daemon for tests only: the real validators, IPAM and port allocator, no kernel.
/// Commands "run" instantly: their output is the command line, their exit code the last argument if numeric.
/// </summary>
internal sealed class FakeEngine : INetworkEngine, IContainerEngine
{
    private readonly Lock _lock = new();
    private readonly List<NetworkRecord> _networks = [NetworkPlanner.DefaultBridge("dp0", SubnetPlanner.DefaultBridgeSubnet)];
    private readonly Dictionary<string, AddressPool> _pools = [];
    private readonly List<ContainerRecord> _containers = [];
    private readonly HostPortAllocator _ports = new(HostPortAllocator.DefaultDynamicRange);

    public FakeEngine() => _pools["bridge"] = new AddressPool(SubnetPlanner.DefaultBridgeSubnet);

    private StateView View => new(new StateDocument(1, _networks.ToList(), _containers.ToList()));

    public Task<NetworkCreateResponse> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken ct)
    {
        lock (_lock)
        {
            var n = NetworkPlanner.Plan(request, View);
            _networks.Add(n);
            _pools[n.Name] = new AddressPool(Ipv4Subnet.Parse(n.Subnet), IPAddress.Parse(n.Gateway));
            return Task.FromResult(new NetworkCreateResponse(n.Id, []));
        }
    }

    public Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<NetworkInfo>>(_networks.Select(Info).ToList());
    }

    public Task<NetworkInfo> InspectNetworkAsync(string name, CancellationToken ct)
    {
        lock (_lock)
            return Task.FromResult(Info(View.FindNetwork(name) ?? throw DataplaneException.NotFound($"network {name} not found")));
    }

    public Task RemoveNetworkAsync(string name, CancellationToken ct)
    {
        lock (_lock)
        {
            var n = NetworkPlanner.CheckRemovable(name, View);
            _networks.Remove(n);
            _pools.Remove(n.Name);
        }
        return Task.CompletedTask;
    }

    private NetworkInfo Info(NetworkRecord n) => new(n, _containers.Where(c => c.Network == n.Name)
        .Select(c => new EndpointInfo(c.Name, c.Id, c.IpAddress, c.MacAddress)).ToList());

    public Task<RunResponse> RunAsync(RunRequest request, CancellationToken ct)
    {
        lock (_lock)
        {
            var plan = RunValidator.Validate(request, View);
            string id = Ids.New();
            IPAddress? ip = null;
            AddressPool? pool = plan.Network is { } n ? _pools[n.Name] : null;
            if (pool is not null)
                ip = plan.Run.Ip is { } wanted ? pool.Reserve(wanted) : pool.Allocate();
            IReadOnlyList<PublishedPort> published;
            try
            {
                published = _ports.AllocateAll(plan.Run.Bindings);
            }
            catch
            {
                if (ip is not null)
                    pool!.Release(ip);
                throw;
            }
            int exit = int.TryParse(request.Command[^1], out var e) ? e : 0;
            var record = new ContainerRecord(id, plan.Run.Name ?? "c" + Ids.Short(id), plan.Run.Mode.ToString(),
                plan.Network is null ? [] : [new EndpointRecord(plan.Network.Name, ip?.ToString(), ip is null ? null : Macs.Format(Macs.FromIPv4(ip)))], plan.Run.Hostname ?? Ids.Short(id),
                plan.Run.Dns.Select(d => d.ToString()).ToList(), request.AddHosts ?? [], plan.Run.Links, plan.Run.Env,
                plan.Run.Exposed.Select(p => p.ToString()).ToList(),
                published.Select(p => new PortMappingRecord(p.HostIp.ToString(), p.HostPort, p.Container.Port, p.Container.Proto.Name())).ToList(),
                request.Command, request.Detach, request.AutoRemove,
                request.Detach ? ContainerState.Running : ContainerState.Exited, request.Detach ? null : exit, 1, DateTimeOffset.UtcNow);
            _containers.Add(record);
            return Task.FromResult(new RunResponse(id, plan.Warnings));
        }
    }

    private ContainerRecord Find(string name)
    {
        lock (_lock)
            return View.FindContainer(name) ?? throw DataplaneException.NotFound($"No such container: {name}");
    }

    public Task<WaitResponse> WaitAsync(string name, CancellationToken ct) => Task.FromResult(new WaitResponse(Find(name).ExitCode ?? 0));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ExecRequest> _execs = new();

    public Task<ExecCreateResponse> CreateExecAsync(string name, ExecRequest request, CancellationToken ct)
    {
        var c = Find(name);
        if (c.State != ContainerState.Running)
            throw DataplaneException.Conflict($"Container {c.Id} is not running");
        string id = Ids.New();
        _execs[id] = request;
        return Task.FromResult(new ExecCreateResponse(id));
    }

    /// <summary>The exec "prints" its command line on stdout and "err" on stderr, then exits 7.</summary>
    public Task<IExecAttachment?> StartExecAsync(string id, bool attach, CancellationToken ct) =>
        Task.FromResult<IExecAttachment?>(attach ? new FakeExec(string.Join(' ', _execs[id].Command) + "\n") : null);

    public Task ResizeExecAsync(string id, int rows, int columns, CancellationToken ct) => Task.CompletedTask;

    public Task<ExecInspectResponse> InspectExecAsync(string id, CancellationToken ct) =>
        Task.FromResult(new ExecInspectResponse(id, "c", false, _execs.ContainsKey(id) ? 7 : null, 1));

    private sealed class FakeExec(string stdout) : IExecAttachment
    {
        public async Task RunAsync(Stream connection, CancellationToken ct)
        {
            foreach (var (stream, text) in new[] { (StreamFrames.Stdout, stdout), (StreamFrames.Stderr, "err\n") })
            {
                var payload = Encoding.UTF8.GetBytes(text);
                var header = new byte[StreamFrames.HeaderSize];
                StreamFrames.WriteHeader(header, stream, payload.Length);
                await connection.WriteAsync(header, ct);
                await connection.WriteAsync(payload, ct);
            }
        }
    }

    public Task<IReadOnlyList<ContainerRecord>> ListAsync(CancellationToken ct)
    {
        lock (_lock)
            return Task.FromResult<IReadOnlyList<ContainerRecord>>(_containers.ToList());
    }

    public Task<ContainerRecord> InspectAsync(string name, CancellationToken ct) => Task.FromResult(Find(name));

    public async Task WriteLogsAsync(string name, LogOptions options, Stream output, CancellationToken ct)
    {
        var payload = Encoding.UTF8.GetBytes(string.Join(' ', Find(name).Command) + "\n");
        var header = new byte[StreamFrames.HeaderSize];
        StreamFrames.WriteHeader(header, StreamFrames.Stdout, payload.Length);
        await output.WriteAsync(header, ct);
        await output.WriteAsync(payload, ct);
    }

    public Task RemoveAsync(string name, bool force, CancellationToken ct)
    {
        var c = Find(name);
        if (c.State == ContainerState.Running && !force)
            throw DataplaneException.Conflict($"You cannot remove a running container {c.Id}. Stop the container before attempting removal or force remove");
        lock (_lock)
        {
            _containers.Remove(c);
            foreach (var p in c.Ports)
                _ports.Release(new PublishedPort(IPAddress.Parse(p.HostIp), p.HostPort, new ContainerPort(p.ContainerPort, ProtoNames.Parse(p.Proto))));
            if (c.Network is { } n && c.IpAddress is { } ip)
                _pools[n].Release(IPAddress.Parse(ip));
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct) => Task.FromResult(Find(name).Ports);

    // Nothing carries traffic in the fake: every port's counters are zero.
    public Task<IReadOnlyList<PortCounters>> PortCountersAsync(string name, CancellationToken ct)
        => Task.FromResult<IReadOnlyList<PortCounters>>(Find(name).Ports.Select(p => new PortCounters(p.HostIp, p.HostPort, p.ContainerPort, p.Proto, 0, 0)).ToList());

    // The lifecycle in the fake: state changes only (the real one is covered end to end).
    public Task StopAsync(string name, int? timeout, CancellationToken ct) => SetState(name, ContainerState.Exited, 143);

    public Task StartAsync(string name, CancellationToken ct) => SetState(name, ContainerState.Running, null);

    public Task RestartAsync(string name, int? timeout, CancellationToken ct) => SetState(name, ContainerState.Running, null);

    public Task KillAsync(string name, string? signal, CancellationToken ct)
    {
        int number = signal is null ? 9 : Dataplane.ControlPlane.Validation.SignalNames.Parse(signal);
        var c = Find(name);
        if (c.State != ContainerState.Running)
            throw DataplaneException.Conflict($"cannot kill container: {name}: container {c.Id} is not running");
        return SetState(name, ContainerState.Exited, 128 + number);
    }

    // Connections in the fake: the record only (the real one is covered end to end).
    public Task ConnectAsync(string network, NetworkConnectRequest request, CancellationToken ct)
        => Update(request.Container, c => c with { Endpoints = [.. c.Endpoints, new EndpointRecord(network, request.IPv4Address, null, request.Aliases)] });

    public Task DisconnectAsync(string network, NetworkDisconnectRequest request, CancellationToken ct)
        => Update(request.Container, c => c.EndpointOn(network) is null
            ? throw DataplaneException.Invalid($"container {c.Id} is not connected to network {network}")
            : c with { Endpoints = [.. c.Endpoints.Where(e => e.Network != network)] });

    private Task SetState(string name, ContainerState state, int? exitCode) => Update(name, c => c with { State = state, ExitCode = exitCode });

    private Task Update(string name, Func<ContainerRecord, ContainerRecord> change)
    {
        lock (_lock)
        {
            var c = Find(name);
            _containers[_containers.IndexOf(c)] = change(c);
        }
        return Task.CompletedTask;
    }
}
