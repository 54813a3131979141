using Dataplane.Interop.Native;

namespace Dataplane.Interop.Processes;

/// <summary>Sends signals to processes by pid.</summary>
public static class Signals
{
    public const int SIGKILL = 9, SIGTERM = 15;

    /// <summary>True when delivered; false when the process is already gone (ESRCH). Other refusals throw.</summary>
    public static bool Send(int pid, int signal)
    {
        if (Libc.Kill(pid, signal) == 0) return true;
        var errno = (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.ESRCH) return false;
        throw new InteropException("send signal " + signal.ToString(System.Globalization.CultureInfo.InvariantCulture) + " to process", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), errno);
    }
}
