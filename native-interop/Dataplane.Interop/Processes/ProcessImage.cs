using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Processes;

/// <summary>What .NET's Process lacks: replacing the calling process (execv) and sending any signal.</summary>
public static class ProcessImage
{
    public const int SIGTERM = 15, SIGKILL = 9;

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone (ESRCH).</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>Runs <paramref name="path"/> with <paramref name="args"/> in place of this process, keeping its
    /// pid, signals and standard streams. Returns only on failure, with the errno.</summary>
    public static InteropException Replace(string path, IReadOnlyList<string> args)
    {
        string?[] argv = [path, .. args, null];
        execv(path, argv);
        return InteropException.FromLastError("execute", path);
    }
}
