using System.Runtime.InteropServices;

namespace Dataplane.Interop.Processes;

/// <summary>
/// A child's standard streams and working directory. A null stream is /dev/null. With
/// <paramref name="Terminal"/> (a pseudo-terminal's slave path) the child opens it as stdin, stdout
/// and stderr after setsid, so it is its controlling terminal, and the three handles are ignored.
/// </summary>
public sealed record ChildStdio(SafeHandle? Stdin, SafeHandle? Stdout, SafeHandle? Stderr, string? Terminal = null, string WorkingDirectory = "/")
{
    /// <summary>stdin from /dev/null, stdout and stderr both to output, from / (as a container without a WORKDIR starts).</summary>
    public static ChildStdio Output(SafeHandle output) => new(null, output, output);
}
