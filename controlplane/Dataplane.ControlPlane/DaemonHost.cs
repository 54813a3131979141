namespace Dataplane.ControlPlane;

/// <summary>The daemon's entry point: see Daemon/DaemonRunner.</summary>
public static class DaemonHost
{
    public static Task<int> RunAsync(DaemonOptions options, CancellationToken ct) => Daemon.DaemonRunner.RunAsync(options, ct);
}
