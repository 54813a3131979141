using System.Globalization;
using System.Text;
using Dataplane.ControlPlane.Api;
using Dataplane.Interop;
using Dataplane.Interop.Processes;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// A container's output: its command writes stdout and stderr straight into two files (so both, and
/// the command, outlive a daemon crash), and the daemon stamps when each grew (the `times` file, every
/// 50 ms while the command runs; output written while the daemon was away gets the time it came back).
/// Reading splits them into lines, each stamped with the first time its end was seen, merged in time
/// order and sent in Docker's frames (stream, size) with the filters of `docker logs`.
/// </summary>
public sealed class ContainerLog(string directory)
{
    public const string StdoutFile = "stdout", StderrFile = "stderr", TimesFile = "times";

    private static readonly TimeSpan StampInterval = TimeSpan.FromMilliseconds(50);
    private static readonly byte[] Streams = [StreamFrames.Stdout, StreamFrames.Stderr];

    private string PathOf(byte stream) => Path.Combine(directory, stream == StreamFrames.Stdout ? StdoutFile : StderrFile);

    private string TimesPath => Path.Combine(directory, TimesFile);

    /// <summary>Both files for the child, opened (created 0640) before the sandbox hides the directory.</summary>
    public (FileDescriptorHandle Stdout, FileDescriptorHandle Stderr) OpenForChild()
    {
        var stdout = SpawnedProcess.OpenOutput(PathOf(StreamFrames.Stdout));
        try
        {
            return (stdout, SpawnedProcess.OpenOutput(PathOf(StreamFrames.Stderr)));
        }
        catch
        {
            stdout.Dispose();
            throw;
        }
    }

    /// <summary>Stamps the files' growth until <paramref name="exited"/> completes, then once more.</summary>
    public void StampUntil(Task exited) => _ = Task.Run(async () =>
    {
        try
        {
            var seen = LastStamped();
            while (true)
            {
                bool last = exited.IsCompleted;
                Stamp(seen);
                if (last) return;
                await Task.WhenAny(exited, Task.Delay(StampInterval));
            }
        }
        catch (IOException)
        {
            // the container was removed
        }
    });

    private void Stamp(long[] seen)
    {
        var lines = new StringBuilder();
        long now = DateTime.UtcNow.Ticks;
        foreach (var s in Streams)
        {
            long length = Length(PathOf(s));
            if (length <= seen[s]) continue;
            seen[s] = length;
            lines.Append(CultureInfo.InvariantCulture, $"{s} {length} {now}\n");
        }
        if (lines.Length > 0) File.AppendAllText(TimesPath, lines.ToString());
    }

    private long[] LastStamped()
    {
        var seen = new long[3];
        foreach (var (s, offset, _) in Stamps()) seen[s] = Math.Max(seen[s], offset);
        return seen;
    }

    private List<(byte Stream, long Offset, long Ticks)> Stamps()
    {
        if (!File.Exists(TimesPath)) return [];
        var stamps = new List<(byte, long, long)>();
        foreach (var line in File.ReadAllLines(TimesPath))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && byte.TryParse(parts[0], CultureInfo.InvariantCulture, out var s) && s is 1 or 2
                && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var offset) && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var ticks))
                stamps.Add((s, offset, ticks));
        }
        return stamps;
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private readonly record struct Line(byte Stream, long Ticks, byte[] Text);

    /// <summary>Writes the lines the options select as frames; with Follow, goes on until <paramref name="running"/> ends.</summary>
    public async Task WriteAsync(LogOptions options, Task? running, Stream output, CancellationToken ct)
    {
        var consumed = new long[3];
        bool final = running is null || running.IsCompleted;
        var lines = ReadNew(consumed, final);
        IEnumerable<Line> selected = lines.Where(l => (options.Since is not { } since || l.Ticks >= since) && (options.Until is not { } until || l.Ticks <= until));
        if (options.Tail is int tail) selected = selected.TakeLast(tail);
        await WriteLinesAsync(selected, options.Timestamps, output, ct);
        if (!options.Follow || options.Until is not null) return;
        while (!final)
        {
            await Task.WhenAny(running!, Task.Delay(100, ct));
            ct.ThrowIfCancellationRequested();
            final = running!.IsCompleted;
            await WriteLinesAsync(ReadNew(consumed, final), options.Timestamps, output, ct);
        }
    }

    /// <summary>Complete lines after <paramref name="consumed"/> (and a last partial one when final), in time order.</summary>
    private List<Line> ReadNew(long[] consumed, bool final)
    {
        var stamps = Stamps();
        long now = DateTime.UtcNow.Ticks;
        var lines = new List<Line>();
        foreach (var s in Streams)
        {
            var path = PathOf(s);
            if (!File.Exists(path)) continue;
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            file.Seek(consumed[s], SeekOrigin.Begin);
            using var buffer = new MemoryStream();
            file.CopyTo(buffer);
            var data = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            int end = final ? data.Length : data.LastIndexOf((byte)'\n') + 1;
            var mine = stamps.Where(t => t.Stream == s).OrderBy(t => t.Offset).ToList();
            int at = 0;
            while (at < end)
            {
                int nl = data[at..end].IndexOf((byte)'\n');
                int next = nl < 0 ? end : at + nl + 1;
                long lineEnd = consumed[s] + next;
                long ticks = mine.FirstOrDefault(t => t.Offset >= lineEnd) is { Ticks: > 0 } t ? t.Ticks : now;
                lines.Add(new Line(s, ticks, data[at..next].ToArray()));
                at = next;
            }
            consumed[s] += end;
        }
        return [.. lines.OrderBy(l => l.Ticks)]; // stable: each stream keeps its order
    }

    private static async Task WriteLinesAsync(IEnumerable<Line> lines, bool timestamps, Stream output, CancellationToken ct)
    {
        var header = new byte[StreamFrames.HeaderSize];
        foreach (var line in lines)
        {
            var prefix = timestamps ? Encoding.ASCII.GetBytes(Rfc3339NanoFixed(line.Ticks) + " ") : [];
            StreamFrames.WriteHeader(header, line.Stream, prefix.Length + line.Text.Length);
            await output.WriteAsync(header, ct);
            await output.WriteAsync(prefix, ct);
            await output.WriteAsync(line.Text, ct);
        }
        await output.FlushAsync(ct);
    }

    /// <summary>Docker's `logs -t` format (jsonmessage.RFC3339NanoFixed): always nine fraction digits, UTC.</summary>
    public static string Rfc3339NanoFixed(long ticks) =>
        new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);
}
