using Dataplane.Interop.Files;

namespace Dataplane.ControlPlane.State;

/// <summary>One daemon per state directory: an exclusive flock on daemon.lock held for the daemon's
/// life (the kernel releases it however the process ends), naming the holder to a second daemon.</summary>
public static class StateDirectoryLock
{
    public static ExclusiveLock Acquire(string stateDirectory)
    {
        var held = ExclusiveLock.TryAcquire(Path.Combine(stateDirectory, "daemon.lock"), out int? holder);
        return held ?? throw DataplaneException.Conflict(
            $"another dataplane daemon (pid {holder?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}) is using the state directory {stateDirectory}: " +
            "stop it, or give this one its own --state-dir, --pin-dir and socket");
    }
}
