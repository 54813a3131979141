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

    // docker/cli timetypes.GetTimestamp: a duration back from now, Unix seconds, RFC 3339.
    [Theory]
    [InlineData("10m", "2026-12-03T19:50:00Z")]
    [InlineData("1h30m", "2026-12-03T18:30:00Z")]
    [InlineData("1.5s", "2026-12-03T19:59:58.5Z")]
    [InlineData("1764790200", "2025-12-03T19:30:00Z")]
    [InlineData("2026-12-03T19:00:00Z", "2026-12-03T19:00:00Z")]
    [InlineData("2026-12-03T20:00:00+01:00", "2026-12-03T19:00:00Z")]
    [InlineData("2026-12-03T19:00:00.123456700Z", "2026-12-03T19:00:00.1234567Z")]
    public void LogsTime_DockerForms_UtcTicks(string text, string expected)
    {
        var now = DateTimeOffset.Parse("2026-12-03T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, LogsCommand.ParseTime(text, now, "since"));
    }

    [Fact]
    public async Task Logs_Options_SentToTheDaemonStreamsApart()
    {
        var h = new RecordingHandler((_, _) => (HttpStatusCode.OK, "\u0001\0\0\0\0\0\0\u0004out\n\u0002\0\0\0\0\0\0\u0004err\n"));
        var r = await CliHarness.RunAsync(["logs", "-t", "--since", "1764790200.5", "--until", "1764790260", "-n", "2", "web"], h);
        Assert.Equal((0, "out\n", "err\n"), (r.ExitCode, r.RawOut, r.Err));
        Assert.Equal("/containers/web/logs?follow=false&timestamps=true&since=1764790200.5&until=1764790260&tail=2", h.Requests.Single().Path);
        var bad = await CliHarness.RunAsync(["logs", "--since", "yesterday", "web"], h);
        Assert.Equal((125, "dataplane: invalid value for \"since\": failed to parse value as time or duration: \"yesterday\"\n"), (bad.ExitCode, bad.Err));
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
