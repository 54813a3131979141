using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli;

/// <summary>Everything a command touches outside itself, so tests can run the CLI in-process.</summary>
public sealed class CliContext(
    TextWriter stdout,
    TextWriter stderr,
    Func<string, string?> environment,
    Func<string, ApiClient> connect,
    Func<Stream>? openStdout = null,
    Func<DateTimeOffset>? now = null,
    Func<Stream>? openStderr = null,
    Func<Stream>? openStdin = null,
    bool terminal = false)
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

    /// <summary>The raw standard error (exec's stderr); without one, bytes go to <see cref="Error"/> as UTF-8.</summary>
    public Stream OpenStderr()
    {
        Error.Flush();
        return openStderr?.Invoke() ?? new TextWriterStream(Error);
    }

    /// <summary>The raw standard input (exec -i); without one, nothing.</summary>
    public Stream OpenStdin() => openStdin?.Invoke() ?? Stream.Null;

    /// <summary>The real process's standard streams, which may be terminals (exec -t asks them for size and raw mode).</summary>
    public bool Terminal { get; } = terminal;

    /// <summary>Connects lazily: commands that fail validation never contact the daemon.</summary>
    public ApiClient Connect(string? hostOption) =>
        connect(DaemonAddress.ResolveSocketPath(hostOption, Environment));
}
