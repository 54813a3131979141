using System.Diagnostics;
using System.Text.RegularExpressions;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.EndToEnd;

/// <summary>The README's first command: `dataplane demo` runs its lab end to end, shows real traffic both
/// ways and the published port's counters, and leaves nothing behind.</summary>
public sealed partial class DemoEndToEndTests
{
    [GeneratedRegex(@"published-port counters \(GET /containers/web/port/counters\): ([\d,]+) packets")]
    private static partial Regex CountersLine();

    [PrivilegedFact]
    public void Demo_RunsTheLab_TrafficBothWaysAndNonZeroPortCounters()
    {
        var info = new ProcessStartInfo(DaemonLab.CliPath, "demo --seconds 1") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var demo = Process.Start(info)!;
        var stdout = demo.StandardOutput.ReadToEndAsync();
        var stderr = demo.StandardError.ReadToEndAsync();
        if (!demo.WaitForExit(180_000)) demo.Kill(entireProcessTree: true);
        demo.WaitForExit();
        var output = stdout.Result + stderr.Result;

        Assert.True(demo.ExitCode == 0, output);
        Assert.Contains("(source address preserved, no proxy)", output);
        Assert.Matches(@"traffic   out  client -> \S+ \(masquerade\): [\d.]+ Gbit/s", output);
        var counters = CountersLine().Match(output);
        Assert.True(counters.Success, output);
        Assert.NotEqual("0", counters.Groups[1].Value); // the port was still published when read
        Assert.Contains("namespaces, links, pins and state removed", output);
    }
}
