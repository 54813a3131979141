using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli;

/// <summary>Everything a command touches outside itself, so tests can run the CLI in-process.</summary>
public sealed class CliContext(
    TextWriter stdout,
    TextWriter stderr,
    Func<string, string?> environment,
    Func<string, ApiClient> connect,
    Func<Stream>? openStdout = null,
    Func<DateTimeOffset>? now = null)
{
    /// <summary>The clock durations are measured against ("Up 5 minutes").</summary>
    public Func<DateTimeOffset> Now { get; } = now ?? (() => DateTimeOffset.UtcNow);

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    public Func<string, string?> Environment { get; } = environment;

    /// <summary>The raw standard output, for streamed logs.</summary>
    public Stream OpenStdout()
    {
        Out.Flush();
        return openStdout?.Invoke() ?? Console.OpenStandardOutput();
    }

    /// <summary>Connects lazily: commands that fail validation never contact the daemon.</summary>
    public ApiClient Connect(string? hostOption) =>
        connect(DaemonAddress.ResolveSocketPath(hostOption, Environment));
}
