using Dataplane.Interop.Processes;

namespace Dataplane.Cli;

/// <summary>
/// `dataplane daemon` and `dataplane demo` are served by `dataplane-daemon` (ASP.NET Core and the BPF
/// loader on the JIT runtime), installed beside this program: the `dataplane` command itself is a small
/// NativeAOT client that starts in milliseconds. The daemon program replaces this process (execv), so
/// its PID, signals, standard streams and exit code are the user's `dataplane daemon`.
/// </summary>
public static class DaemonLauncher
{
    public const string ProgramName = "dataplane-daemon";
    private static readonly string[] Commands = ["daemon", "demo"];

    /// <summary>Whether the first word of the command line (after global options) is one of the daemon program's commands.</summary>
    public static bool Handles(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--host" or "-H")
            {
                i++;
                continue;
            }
            if (args[i].StartsWith('-'))
                continue;
            return Commands.Contains(args[i]);
        }
        return false;
    }

    /// <summary>Replaces this process with `dataplane-daemon ARGS`; returns only when that fails.</summary>
    public static int Exec(string[] args, TextWriter stderr)
    {
        string path = Path.Combine(AppContext.BaseDirectory, ProgramName);
        if (!File.Exists(path))
        {
            stderr.WriteLine($"dataplane: {ProgramName} not found beside dataplane (in {AppContext.BaseDirectory}): install both together (make build puts them in out/)");
            return ExitCodes.NotFound;
        }
        var failure = ProcessImage.Replace(path, args);
        stderr.WriteLine($"dataplane: cannot execute {path}: {failure.Message}");
        return ExitCodes.CannotExecute;
    }
}
