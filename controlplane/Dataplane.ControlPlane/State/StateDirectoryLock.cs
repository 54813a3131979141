namespace Dataplane.ControlPlane.State;

/// <summary>
/// One daemon per state directory: an exclusive advisory lock (flock, which .NET takes for
/// FileShare.None on Linux) held for the daemon's life, released by the kernel when the process
/// dies however it dies. The holder's pid is written beside it so a second daemon can name it.
/// </summary>
public sealed class StateDirectoryLock : IDisposable
{
    private const string LockFile = "daemon.lock", PidFile = "daemon.pid";

    private readonly FileStream _lock;

    private StateDirectoryLock(FileStream held) => _lock = held;

    public static StateDirectoryLock Acquire(string stateDirectory)
    {
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(stateDirectory, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var pid = File.Exists(Path.Combine(stateDirectory, PidFile)) ? File.ReadAllText(Path.Combine(stateDirectory, PidFile)).Trim() : "unknown";
            throw DataplaneException.Conflict(
                $"another dataplane daemon (pid {pid}) is using the state directory {stateDirectory}: stop it, or give this one its own --state-dir, --pin-dir and socket");
        }
        File.WriteAllText(Path.Combine(stateDirectory, PidFile), $"{Environment.ProcessId}\n");
        return new StateDirectoryLock(held);
    }

    public void Dispose() => _lock.Dispose();
}
