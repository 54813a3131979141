using System.Net;
using System.Text;
using Dataplane.Cli;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Tests.Cli;

/// <summary>Records every HTTP request the CLI makes and answers from a script.</summary>
internal sealed class RecordingHandler(Func<HttpRequestMessage, string?, (HttpStatusCode, string)> answer) : HttpMessageHandler
{
    public List<(string Method, string Path, string? Body)> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        string? body = request.Content is null ? null : await request.Content.ReadAsStringAsync(ct);
        Requests.Add((request.Method.Method, request.RequestUri!.PathAndQuery, body));
        var (status, text) = answer(request, body);
        return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
    }
}

internal sealed record CliRun(int ExitCode, string Out, string Err, string RawOut);

internal static class CliHarness
{
    public static async Task<CliRun> RunAsync(string[] args, Func<string, ApiClient> connect, Func<string, string?>? env = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var raw = new MemoryStream();
        var context = new CliContext(stdout, stderr, env ?? (_ => null), connect, () => new NonClosing(raw));
        int rc = await CliApp.RunAsync(args, context);
        return new CliRun(rc, stdout.ToString(), stderr.ToString(), Encoding.UTF8.GetString(raw.ToArray()));
    }

    public static Task<CliRun> RunAsync(string[] args, RecordingHandler handler, Func<string, string?>? env = null) =>
        RunAsync(args, _ => new ApiClient(handler), env);

    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
