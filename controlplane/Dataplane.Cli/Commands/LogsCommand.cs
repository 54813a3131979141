using System.CommandLine;
using System.Globalization;
using Dataplane.ControlPlane;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane logs [-f] [-n|--tail N] CONTAINER`. --tail is applied here: the log is append-only, so with
/// -f the lines already written are read once, their last N printed, and the followed stream resumes
/// after them. Timestamps (-t, --since) need the daemon to record when each line was written.
/// </summary>
public static class LogsCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("CONTAINER");
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var tail = new Option<string>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default \"all\")", DefaultValueFactory = _ => "all" };
        var command = new Command("logs", "Fetch the output of a container") { name, follow, tail };
        command.SetAction(async (parse, ct) =>
        {
            int? lines = ParseTail(parse.GetValue(tail)!);
            string container = parse.GetValue(name)!;
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            await using var stdout = context.OpenStdout();
            if (lines is null)
            {
                await client.CopyLogsAsync(container, parse.GetValue(follow), stdout, ct);
                return 0;
            }
            using var written = new MemoryStream();
            await client.CopyLogsAsync(container, follow: false, written, ct);
            var log = written.GetBuffer().AsMemory(0, (int)written.Length);
            await stdout.WriteAsync(log[LastLinesStart(log.Span, lines.Value)..], ct);
            if (parse.GetValue(follow))
                await client.CopyLogsAsync(container, follow: true, new SkipFirst(stdout, log.Length), ct);
            return 0;
        });
        return command;
    }

    /// <summary>"all" (or a negative number, as docker allows) is everything; otherwise a count of lines.</summary>
    public static int? ParseTail(string text) =>
        text == "all" ? null
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? (n < 0 ? null : n)
        : throw DataplaneException.Invalid($"invalid value for \"tail\": \"{text}\"");

    /// <summary>Where the last n lines of log begin (a final line without its newline counts as a line).</summary>
    public static int LastLinesStart(ReadOnlySpan<byte> log, int n)
    {
        if (n == 0)
            return log.Length;
        int end = log.Length > 0 && log[^1] == (byte)'\n' ? log.Length - 1 : log.Length;
        for (int i = end - 1, seen = 0; i >= 0; i--)
        {
            if (log[i] == (byte)'\n' && ++seen == n)
                return i + 1;
        }
        return 0;
    }

    /// <summary>Drops the first bytes written (those already printed), then passes the rest through.</summary>
    private sealed class SkipFirst(Stream inner, long skip) : Stream
    {
        private long _skip = skip;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int dropped = (int)Math.Min(_skip, buffer.Length);
            _skip -= dropped;
            inner.Write(buffer[dropped..]);
            inner.Flush();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            int dropped = (int)Math.Min(_skip, buffer.Length);
            _skip -= dropped;
            await inner.WriteAsync(buffer[dropped..], ct);
            await inner.FlushAsync(ct);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    }
}
