using Dataplane.Tests.Support;

namespace Dataplane.Tests.EndToEnd;

/// <summary>What a process run by the real daemon can do and see: Docker's privileges, and none of the daemon's files.</summary>
public sealed class SandboxPrivilegesEndToEndTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    private const string Status = "grep -E '^(CapBnd|CapEff|NoNewPrivs|Uid)' /proc/self/status";

    [PrivilegedFact]
    public void Run_Default_DockersCapabilitiesNoNewPrivsAndTheDaemonsDirectoriesHidden()
    {
        var output = d.Ok("run", "--rm", "--", "sh", "-c",
            $"{Status}; echo state:$(ls -A {d.StateDir}) pins:$(ls -A {d.PinDir}) netns:$(ls -A /run/netns); nsenter --net=/proc/{d.DaemonPid}/ns/net true 2>&1 || echo refused");
        Assert.Equal("Uid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\n" +
            $"state: pins: netns:\nnsenter: cannot open /proc/{d.DaemonPid}/ns/net: Permission denied\nrefused\n", output);
    }

    [PrivilegedFact]
    public void Run_UserCapAddCapDropPrivileged_AsDocker()
    {
        Assert.Equal("Uid:\t65534\t65534\t65534\t65534\nCapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\n",
            d.Ok("run", "--rm", "-u", "nobody", "--", "sh", "-c", Status));
        Assert.Equal("Uid:\t0\t0\t0\t0\nCapEff:\t0000000000001000\nCapBnd:\t0000000000001000\nNoNewPrivs:\t1\n",
            d.Ok("run", "--rm", "--cap-drop", "all", "--cap-add", "net_admin", "--", "sh", "-c", Status));
        Assert.Contains("NoNewPrivs:\t0\n", d.Ok("run", "--rm", "--privileged", "--", "sh", "-c", Status));
        var bad = d.Cli("run", "--rm", "--cap-add", "foo", "--", "true");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("invalid CapAdd: unknown capability: \"CAP_FOO\"", bad.Err);
        Assert.Contains("unable to find user ghost: no matching entries in passwd file", d.Cli("run", "--rm", "-u", "ghost", "--", "true").Err);
    }

    [PrivilegedFact]
    public void Exec_RunsWithTheContainersPrivileges()
    {
        d.Ok("run", "-d", "--name", "privexec", "-u", "nobody", "--", "sleep", "30");
        try
        {
            Assert.Contains("Uid:\t65534", d.Ok("exec", "privexec", "sh", "-c", Status));
        }
        finally
        {
            d.Cli("rm", "-f", "privexec");
        }
    }
}
