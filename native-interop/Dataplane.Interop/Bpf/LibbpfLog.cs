using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Dataplane.Interop.Bpf.Native;
using Dataplane.Interop.Native;
using Microsoft.Extensions.Logging;

namespace Dataplane.Interop.Bpf;

/// <summary>
/// Routes libbpf's global print hook to an ILogger, and lets one thread capture what libbpf prints
/// while it loads an object, so a verifier rejection can carry the verifier's log.
/// </summary>
public static unsafe class LibbpfLog
{
    private const int LIBBPF_WARN = 0, LIBBPF_INFO = 1;
    private static readonly Lock Gate = new();
    private static ILogger? _logger;
    private static bool _installed;

    [ThreadStatic] private static StringBuilder? _capture;
    [ThreadStatic] private static bool _quiet;

    /// <summary>Sends libbpf's messages to <paramref name="logger"/> (null: drop them, except captures).</summary>
    public static void Route(ILogger? logger)
    {
        lock (Gate)
        {
            _logger = logger;
            EnsureInstalled();
        }
    }

    /// <summary>Collects what libbpf prints on this thread until the returned scope is disposed;
    /// <paramref name="quiet"/>: only collected, not logged (the caller decides whether it was an error).</summary>
    internal static CaptureScope BeginCapture(bool quiet = false)
    {
        lock (Gate) EnsureInstalled();
        return new CaptureScope(quiet);
    }

    internal sealed class CaptureScope : IDisposable
    {
        private readonly StringBuilder? _previous = _capture;
        private readonly bool _previousQuiet = _quiet;
        private readonly StringBuilder _mine = new();

        public CaptureScope(bool quiet)
        {
            _capture = _mine;
            _quiet = quiet;
        }

        public string Text => _mine.ToString();

        public void Dispose()
        {
            _capture = _previous;
            _quiet = _previousQuiet;
        }
    }

    private static void EnsureInstalled()
    {
        if (_installed) return;
        Libbpf.libbpf_set_print(&Print);
        _installed = true;
    }

    // va_list is consumed by one vsnprintf, so format exactly once into a bounded buffer.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Print(int level, nint format, nint args)
    {
        const int size = 4096;
        byte* buffer = stackalloc byte[size];
        int n = Libc.vsnprintf(buffer, size, format, args);
        if (n <= 0) return 0;
        var text = Encoding.UTF8.GetString(buffer, Math.Min(n, size - 1)).TrimEnd('\n');
        _capture?.AppendLine(text);
        var logger = _logger;
        if (logger is null || _quiet) return 0;
        var logLevel = level switch { LIBBPF_WARN => LogLevel.Warning, LIBBPF_INFO => LogLevel.Information, _ => LogLevel.Debug };
        logger.Log(logLevel, "libbpf: {Message}", text);
        return 0;
    }
}
