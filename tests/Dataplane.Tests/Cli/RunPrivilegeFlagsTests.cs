using System.Net;
using System.Text.Json;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Tests.Cli;

public sealed class RunPrivilegeFlagsTests
{
    private static RecordingHandler Ok() => new((_, _) => (HttpStatusCode.OK, "{\"id\":\"abc\",\"warnings\":[]}"));

    private static RunRequest Body(RecordingHandler h) =>
        JsonSerializer.Deserialize(h.Requests.Single(r => r.Path == "/containers").Body!, ApiJsonContext.Default.RunRequest)!;

    [Fact]
    public async Task Run_PrivilegeFlags_BecomeRunRequest()
    {
        var h = Ok();
        var r = await CliHarness.RunAsync(
            ["run", "-d", "-u", "1000:50", "--cap-add", "NET_ADMIN", "--cap-add", "cap_sys_time", "--cap-drop", "ALL", "--privileged", "--", "true"], h);
        Assert.Equal((0, "abc\n", ""), (r.ExitCode, r.Out, r.Err));
        var body = Body(h);
        Assert.Equal("1000:50", body.User);
        Assert.Equal(["NET_ADMIN", "cap_sys_time"], body.CapAdd!);
        Assert.Equal(["ALL"], body.CapDrop!);
        Assert.True(body.Privileged);
    }

    [Fact]
    public async Task Run_NoPrivilegeFlags_DefaultsInTheRequest()
    {
        var h = Ok();
        await CliHarness.RunAsync(["run", "-d", "--user", "www", "--", "true"], h);
        var body = Body(h);
        Assert.Equal("www", body.User);
        Assert.Empty(body.CapAdd!);
        Assert.Empty(body.CapDrop!);
        Assert.False(body.Privileged);
    }
}
