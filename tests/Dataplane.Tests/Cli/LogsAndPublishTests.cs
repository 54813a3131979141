using System.Net;
using Dataplane.Cli.Commands;

namespace Dataplane.Tests.Cli;

public class LogsAndPublishTests
{
    // Docker: host port 0 means "any free port" (go-connections nat.ParsePortSpec, then the daemon's allocator).
    [Theory]
    [InlineData("0:80", "80")]
    [InlineData("0:80/udp", "80/udp")]
    [InlineData("127.0.0.1:0:80", "127.0.0.1::80")]
    [InlineData("[::1]:0:80", "[::1]::80")]
    [InlineData("8080:80", "8080:80")]
    [InlineData("127.0.0.1::80", "127.0.0.1::80")]
    [InlineData("80", "80")]
    [InlineData("10:80", "10:80")]
    public void ZeroHostPortAsAny_DockersMeaning(string spec, string expected) =>
        Assert.Equal(expected, PublishSpec.ZeroHostPortAsAny(spec));

    [Theory]
    [InlineData("a\nb\nc\n", 2, "b\nc\n")]
    [InlineData("a\nb\nc", 2, "b\nc")]
    [InlineData("a\nb\nc\n", 5, "a\nb\nc\n")]
    [InlineData("a\nb\nc\n", 0, "")]
    [InlineData("", 3, "")]
    public void LastLinesStart_TailCountsLines(string log, int n, string expected)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(log);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(bytes.AsSpan(LogsCommand.LastLinesStart(bytes, n))));
    }

    [Fact]
    public async Task Logs_TailFollow_PrintsLastLinesThenOnlyWhatFollows()
    {
        // The daemon's log grows between the two reads: the followed stream repeats the start, which is skipped.
        var h = new RecordingHandler((req, _) => (HttpStatusCode.OK,
            req.RequestUri!.Query.Contains("follow=true", StringComparison.Ordinal) ? "one\ntwo\nthree\nfour\n" : "one\ntwo\nthree\n"));
        var r = await CliHarness.RunAsync(["logs", "-f", "--tail", "1", "web"], h);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("three\nfour\n", r.RawOut);
        var all = await CliHarness.RunAsync(["logs", "-n", "2", "web"], h);
        Assert.Equal("two\nthree\n", all.RawOut);
    }

    [Fact]
    public async Task Run_ZeroHostPort_SentAsAnyPort()
    {
        var h = new RecordingHandler((_, _) => (HttpStatusCode.Created, "{\"id\":\"abc\",\"warnings\":[]}"));
        await CliHarness.RunAsync(["run", "-d", "-p", "0:80", "sleep", "1"], h);
        var body = System.Text.Json.JsonSerializer.Deserialize(h.Requests.Single().Body!, Dataplane.ControlPlane.Api.ApiJsonContext.Default.RunRequest)!;
        Assert.Equal(["80"], body.Publish!);
    }
}
