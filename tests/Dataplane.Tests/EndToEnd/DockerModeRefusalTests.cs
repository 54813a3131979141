using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Runtimes;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>`dataplane daemon --docker` refuses, with the setting to change, an engine that still does its own NAT; an unreachable socket is a clear error.</summary>
public sealed class DockerModeRefusalTests(DockerDefaultsModeLab d) : IClassFixture<DockerDefaultsModeLab>
{
    [PrivilegedFact]
    public void Daemon_EngineWithIptablesAndDockerProxy_RefusesNamingDaemonJson()
    {
        var (code, log) = d.RunDataplaneUntilExit(d.Endpoint, TimeSpan.FromSeconds(60));
        Assert.True(code != 0, log);
        Assert.Contains("\"iptables\": false", log);
        Assert.Contains("daemon.json", log);
        // Docker's own NAT is really on in this engine: it is the comparison case of the refusal.
        var nat = Lab.RunIn(d.Lab.Host, "iptables", "-t nat -S DOCKER");
        Assert.True(nat.ExitCode == 0, nat.Output);
    }

    [PrivilegedFact]
    public void Daemon_DockerSocketMissing_ClearErrorAndExit()
    {
        var missing = $"unix://{d.StateDir}/no-such-docker.sock";
        var (code, log) = d.RunDataplaneUntilExit(missing, TimeSpan.FromSeconds(60));
        Assert.True(code != 0, log);
        Assert.Contains($"cannot reach Docker at {missing}", log);
    }
}
