using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.EndToEnd;

/// <summary>IPv4 forwarding switched off after the daemon turned it on: every `run` warns as Docker's
/// does (the data path counts what it cannot route); switched back on, the warning goes.</summary>
public sealed class ForwardingEndToEndTests : IDisposable
{
    private const string Warning = "WARNING: IPv4 forwarding is disabled. Networking will not work.";
    private readonly DaemonLab _d = new();

    public void Dispose() => _d.Dispose();

    [PrivilegedFact]
    public void Run_ForwardingSwitchedOffAfterStart_WarnsOnEveryRunUntilSwitchedOn()
    {
        Assert.Equal("1", Sysctl.Read(_d.Lab.Host, "net.ipv4.ip_forward")); // the daemon turned it on

        Sysctl.Write(_d.Lab.Host, "net.ipv4.ip_forward", "0");
        var off = _d.Cli("run", "-d", "--name", "fwd-off", "sleep", "30");
        Sysctl.Write(_d.Lab.Host, "net.ipv4.ip_forward", "1");
        var on = _d.Cli("run", "-d", "--name", "fwd-on", "sleep", "30");

        Assert.True(off.ExitCode == 0, off.Err);
        Assert.Contains(Warning, off.Err);
        Assert.True(on.ExitCode == 0, on.Err);
        Assert.DoesNotContain(Warning, on.Err);
    }
}
