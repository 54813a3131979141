using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Api;

/// <summary>What the API needs from the network side of the daemon. Failures are DataplaneExceptions.</summary>
public interface INetworkEngine
{
    Task<NetworkCreateResponse> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken ct);

    Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct);

    Task<NetworkInfo> InspectNetworkAsync(string name, CancellationToken ct);

    Task RemoveNetworkAsync(string name, CancellationToken ct);
}

/// <summary>What the API needs from the sandbox side of the daemon. Failures are DataplaneExceptions.</summary>
public interface IContainerEngine
{
    /// <summary>Validates, creates the sandbox, publishes ports and starts the command.</summary>
    Task<RunResponse> RunAsync(RunRequest request, CancellationToken ct);

    Task<WaitResponse> WaitAsync(string name, CancellationToken ct);

    /// <summary>Docker's exec create: checks the container runs and the command is there; starts nothing.</summary>
    Task<ExecCreateResponse> CreateExecAsync(string name, ExecRequest request, CancellationToken ct);

    /// <summary>Starts the exec's process (a failure to start is a DataplaneException with the runtime's words).
    /// Attached, the result carries its streams over the caller's connection; detached, it is null.</summary>
    Task<IExecAttachment?> StartExecAsync(string id, bool attach, CancellationToken ct);

    /// <summary>The exec's terminal gets this size (its process sees SIGWINCH); without a terminal, nothing.</summary>
    Task ResizeExecAsync(string id, int rows, int columns, CancellationToken ct);

    Task<ExecInspectResponse> InspectExecAsync(string id, CancellationToken ct);

    Task<IReadOnlyList<ContainerRecord>> ListAsync(CancellationToken ct);

    Task<ContainerRecord> InspectAsync(string name, CancellationToken ct);

    /// <summary>Writes the container's output lines the options select (with Follow, until it exits) to output, in StreamFrames.</summary>
    Task WriteLogsAsync(string name, LogOptions options, Stream output, CancellationToken ct);

    Task RemoveAsync(string name, bool force, CancellationToken ct);

    Task<IReadOnlyList<PortMappingRecord>> PortsAsync(string name, CancellationToken ct);

    /// <summary>The container's published ports with their counters (what the demo prints).</summary>
    Task<IReadOnlyList<PortCounters>> PortCountersAsync(string name, CancellationToken ct);

    /// <summary>SIGTERM, then SIGKILL after timeout seconds (default 10, -1 waits for ever); a stopped container is left as it is.</summary>
    Task StopAsync(string name, int? timeout, CancellationToken ct);

    /// <summary>Publishes the ports again and restarts the command in the same sandbox; a running container is left as it is.</summary>
    Task StartAsync(string name, CancellationToken ct);

    Task RestartAsync(string name, int? timeout, CancellationToken ct);

    /// <summary>Sends a signal (default SIGKILL) to the container's process.</summary>
    Task KillAsync(string name, string? signal, CancellationToken ct);

    /// <summary>`network connect`: another interface in the container's sandbox on that network.</summary>
    Task ConnectAsync(string network, NetworkConnectRequest request, CancellationToken ct);

    /// <summary>`network disconnect`: the container's interface on that network removed.</summary>
    Task DisconnectAsync(string network, NetworkDisconnectRequest request, CancellationToken ct);
}

/// <summary>A started exec's streams: stdin read from the connection, output written to it (raw with a
/// terminal, else in <see cref="StreamFrames"/>); returns once the process has exited and its output is sent.</summary>
public interface IExecAttachment
{
    Task RunAsync(Stream connection, CancellationToken ct);
}
