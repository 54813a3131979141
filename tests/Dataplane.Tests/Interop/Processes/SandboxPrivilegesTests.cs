using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Processes;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Interop.Processes;

/// <summary>
/// A real process started in a sandbox (its own network namespace and mount namespace) with
/// Docker's privileges: what the kernel reports for it in /proc/PID/status, what it can see of
/// hidden directories, and that it cannot enter the host's network namespace.
/// </summary>
public sealed class SandboxPrivilegesTests : IDisposable
{
    private const string DockerDefaultMask = "00000000a80425fb"; // what `docker run alpine grep CapEff /proc/self/status` prints
    private readonly string _name = TestNames.Unique("priv");
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"dpt-priv-{Guid.NewGuid():n}.log");
    private readonly NetworkNamespace? _ns;
    private readonly List<SpawnedProcess> _started = [];

    public SandboxPrivilegesTests()
    {
        if (Privileges.IsRoot) _ns = NetworkNamespace.Create(_name);
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { System.Diagnostics.Process.GetProcessById(p.Pid).Kill(); }
            catch (ArgumentException) { } // already reaped
            catch (InvalidOperationException) { }
        }
        foreach (var p in _started)
            try { p.WaitForExit(); } catch (InteropException) { } // reaped by the test itself
        _ns?.Dispose();
        if (_ns is not null) NetworkNamespace.Delete(_name);
        File.Delete(_log);
    }

    [PrivilegedFact]
    public void DockerDefault_ProcessInNamespace_HasDockersSetNoAmbientAndNoNewPrivs_TheTestProcessKeepsItsOwn()
    {
        var before = Status("self");
        var status = Status(StartSleeper(new ProcessIsolation(_ns, Privileges: ProcessPrivileges.DockerDefault)).Pid.ToString());
        Assert.Equal(DockerDefaultMask, status["CapBnd"]);
        Assert.Equal(DockerDefaultMask, status["CapEff"]);
        Assert.Equal(DockerDefaultMask, status["CapPrm"]);
        Assert.Equal("0000000000000000", status["CapInh"]);
        Assert.Equal("0000000000000000", status["CapAmb"]);
        Assert.Equal("1", status["NoNewPrivs"]);
        Assert.Equal("0\t0\t0\t0", status["Uid"]);
        var after = Status("self");
        Assert.Equal(before["CapEff"], after["CapEff"]);
        Assert.Equal(before["CapBnd"], after["CapBnd"]);
        Assert.Equal("0", after["NoNewPrivs"]);
    }

    [PrivilegedFact]
    public void User_NonRoot_UidGidSetSupplementaryGroupsClearedNoEffectiveCapabilities()
    {
        var privileges = ProcessPrivileges.DockerDefault with { User = new ProcessUser(65534, 65533) };
        var status = Status(StartSleeper(new ProcessIsolation(_ns, Privileges: privileges)).Pid.ToString());
        Assert.Equal("65534\t65534\t65534\t65534", status["Uid"]);
        Assert.Equal("65533\t65533\t65533\t65533", status["Gid"]);
        Assert.Equal("", status["Groups"]);
        Assert.Equal("0000000000000000", status["CapEff"]);
        Assert.Equal("0000000000000000", status["CapPrm"]);
        Assert.Equal(DockerDefaultMask, status["CapBnd"]);
        Assert.Equal("1", status["NoNewPrivs"]);
    }

    [PrivilegedFact]
    public void Capabilities_AddedAndDropped_ExactlyThoseInEverySet()
    {
        var caps = ProcessPrivileges.DockerDefaultCapabilities.Except([Capability.NET_RAW]).Append(Capability.NET_ADMIN).ToHashSet();
        var status = Status(StartSleeper(new ProcessIsolation(_ns, Privileges: new ProcessPrivileges(caps))).Pid.ToString());
        var expected = (0xa80425fbUL & ~(1UL << 13) | (1UL << 12)).ToString("x16");
        Assert.Equal(expected, status["CapBnd"]);
        Assert.Equal(expected, status["CapEff"]);
    }

    [PrivilegedFact]
    public void Privileged_EveryCapabilityTheTestHolds_AndNoNoNewPrivs()
    {
        var status = Status(StartSleeper(new ProcessIsolation(_ns, Privileges: ProcessPrivileges.Privileged())).Pid.ToString());
        var own = Status("self");
        Assert.Equal(own["CapBnd"], status["CapBnd"]);
        Assert.Equal(own["CapBnd"], status["CapEff"]);
        Assert.Equal("0", status["NoNewPrivs"]);
    }

    [PrivilegedFact]
    public void HiddenDirectories_EmptyAndReadOnlyInside_UnchangedOutside()
    {
        var dir = Directory.CreateTempSubdirectory("dpt-hidden-").FullName;
        var pins = Path.Combine(BpfFs.DefaultRoot, TestNames.Unique("pins")); // a pin directory, inside bpffs
        try
        {
            File.WriteAllText(Path.Combine(dir, "secret"), "x");
            Directory.CreateDirectory(Path.Combine(pins, "maps"));
            var isolation = new ProcessIsolation(_ns, Hidden: [dir, pins, NetworkNamespace.NamedRoot, "/dpt-no-such-directory"], Privileges: ProcessPrivileges.DockerDefault);
            var (exit, output) = RunToEnd(isolation,
                $"echo dir:$(ls -A {dir}) pins:$(ls -A {pins}) netns:$(ls -A {NetworkNamespace.NamedRoot}); touch {dir}/new 2>/dev/null && echo wrote || echo refused");
            Assert.Equal(0, exit);
            Assert.Equal("dir: pins: netns:\nrefused\n", output);
            Assert.Equal(["secret"], Directory.GetFiles(dir).Select(Path.GetFileName));
            Assert.True(Directory.Exists(Path.Combine(pins, "maps")));
            Assert.Contains(_name, NetworkNamespace.List()); // the host still sees /run/netns
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            BpfFs.RemovePinDirectory(pins);
        }
    }

    [PrivilegedFact]
    public void DockerDefault_CannotEnterTheDaemonsNetworkNamespace_PrivilegedCan()
    {
        // The test process stands for the daemon: root, every capability, in the host's namespace.
        var enter = $"nsenter --net=/proc/{Environment.ProcessId}/ns/net true && echo entered || echo refused";
        // Opening another process's namespace needs ptrace access to it: CAP_SYS_PTRACE, or a permitted
        // set covering the target's; entering one needs CAP_SYS_ADMIN. The default set has neither.
        var (_, refused) = RunToEnd(new ProcessIsolation(_ns, Privileges: ProcessPrivileges.DockerDefault), enter);
        Assert.Equal($"nsenter: cannot open /proc/{Environment.ProcessId}/ns/net: Permission denied\nrefused\n", refused);
        Assert.Equal((0, "entered\n"), RunToEnd(new ProcessIsolation(_ns, Privileges: ProcessPrivileges.Privileged()), enter));
    }

    [PrivilegedFact]
    public void ProcessStart_FromTheIsolatedThread_InheritsThePrivilegesToo()
    {
        // What an exec into a running sandbox does: .NET forks from the calling thread.
        var info = new System.Diagnostics.ProcessStartInfo("grep", "-E ^(CapEff|NoNewPrivs|Uid) /proc/self/status") { RedirectStandardOutput = true, UseShellExecute = false };
        var privileges = ProcessPrivileges.DockerDefault with { User = new ProcessUser(0, 0) };
        using var p = new ProcessIsolation(_ns, Privileges: privileges).Run(() => System.Diagnostics.Process.Start(info)!);
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal($"Uid:\t0\t0\t0\t0\nCapEff:\t{DockerDefaultMask}\nNoNewPrivs:\t1\n", output);
    }

    [PrivilegedFact]
    public void UnknownCapability_FailsNamingIt_NothingStarted()
    {
        var privileges = new ProcessPrivileges(new HashSet<Capability> { (Capability)63 });
        bool ran = false;
        var e = Assert.Throws<InteropException>(() => new ProcessIsolation(_ns, Privileges: privileges).Run(() => ran = true));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("capability 63", e.Message);
        Assert.False(ran);
    }

    private SpawnedProcess StartSleeper(ProcessIsolation isolation)
    {
        using var output = SpawnedProcess.OpenOutput(_log);
        var p = isolation.Run(() => SpawnedProcess.Start(["sleep", "30"], ["PATH=/usr/bin:/bin"], output));
        _started.Add(p);
        return p;
    }

    private (int Exit, string Output) RunToEnd(ProcessIsolation isolation, string script)
    {
        File.WriteAllText(_log, "");
        using (var output = SpawnedProcess.OpenOutput(_log))
        {
            var p = isolation.Run(() => SpawnedProcess.Start(["/bin/sh", "-c", script], ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], output));
            int exit = p.WaitForExit();
            return (exit, File.ReadAllText(_log));
        }
    }

    private static Dictionary<string, string> Status(string pid) => File.ReadAllLines($"/proc/{pid}/status")
        .Select(l => l.Split(':', 2))
        .ToDictionary(f => f[0], f => f[1].Trim());
}
