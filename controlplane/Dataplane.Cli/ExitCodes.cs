namespace Dataplane.Cli;

/// <summary>The docker CLI's exit codes (docker/cli cli/command/container/run.go toStatusError, cmd/docker/docker.go).</summary>
public static class ExitCodes
{
    /// <summary>Any error of a command other than run, an unknown command, a wrong number of arguments.</summary>
    public const int Error = 1;

    /// <summary>A usage error (unknown flag, bad value) or `run` failing before the command started.</summary>
    public const int Usage = 125;

    /// <summary>The command was found but could not be executed (permission denied, a directory), and every failed `exec` start.</summary>
    public const int CannotExecute = 126;

    /// <summary>`run`'s command was not found.</summary>
    public const int NotFound = 127;
}
