using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli;

/// <summary>
/// A failed command as the docker CLI reports it: `run` as "docker: MESSAGE" with a pointer to its help
/// and the exit code docker/cli's toStatusError derives from the message (125, 126, 127); a failed
/// `exec` start as 126; every other command "Error response from daemon: MESSAGE", exit 1.
/// </summary>
public static class ErrorReport
{
    public static int Report(CliContext context, Exception e, string command)
    {
        if (command == "run")
            return ReportRun(context, e);
        if (command == "exec" && e is ApiException api && ExecStartFailure(api.Message) is { } why)
        {
            context.Error.WriteLine($"exec failed: unable to start container process: {why}");
            return ExitCodes.CannotExecute;
        }
        switch (e)
        {
            case ApiException daemon:
                context.Error.WriteLine($"Error response from daemon: {daemon.Message}");
                return ExitCodes.Error;
            case DaemonUnreachableException down:
                context.Error.WriteLine(down.Message);
                return ExitCodes.Error;
            case DataplaneException local when local.Message.StartsWith("Error", StringComparison.Ordinal):
                context.Error.WriteLine(local.Message);
                return ExitCodes.Error;
            case DataplaneException local:
                context.Error.WriteLine($"dataplane: {local.Message}");
                return ExitCodes.Usage;
            default:
                context.Error.WriteLine($"dataplane: {e.GetType().Name}: {e.Message}");
                return ExitCodes.Error;
        }
    }

    /// <summary>docker/cli run.go: withHelp(err, "run") and toStatusError's rules on the message.</summary>
    private static int ReportRun(CliContext context, Exception e)
    {
        string message = e switch
        {
            ApiException daemon => $"Error response from daemon: {daemon.Message}",
            DaemonUnreachableException or DataplaneException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        context.Error.WriteLine($"dataplane: {message}\n\nRun 'dataplane run --help' for more information");
        return RunExitCode(message);
    }

    public static int RunExitCode(string message)
    {
        if (message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.Ordinal))
            return ExitCodes.NotFound;
        if (message.Contains("permission denied", StringComparison.Ordinal) || message.Contains("is a directory", StringComparison.Ordinal))
            return ExitCodes.CannotExecute;
        return ExitCodes.Usage;
    }

    /// <summary>The `exec: "NAME": why` (or `chdir to cwd ...`) part of a failed start, or null when the failure is of another kind.</summary>
    public static string? ExecStartFailure(string daemonMessage)
    {
        int at = daemonMessage.IndexOf("exec: \"", StringComparison.Ordinal);
        if (at < 0) at = daemonMessage.IndexOf("chdir to cwd (", StringComparison.Ordinal);
        return at >= 0 ? daemonMessage[at..] : null;
    }
}
