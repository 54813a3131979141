using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Runtimes;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// Docker mode and Dataplane's own sandboxes in one daemon: host ports are one pool, checked across
/// both frontends, and whichever asks second is refused with an error naming the port.
/// </summary>
public sealed class DockerModeCoexistenceTests(DockerModeLab d) : IClassFixture<DockerModeLab>
{
    private static readonly string[] Httpd = ["httpd", "-f", "-p", "80", "-h", "/www"];

    [PrivilegedFact]
    public void HostPortClash_DockerFirstThenOwnSandbox_OwnSandboxRefusedAndNothingLeft()
    {
        try
        {
            d.DockerOk(["run", "-d", "--name", "clash-dk", "-p", "8090:80", TinyImage.Name, .. Httpd]);
            DockerModeLab.Await(() => d.PortMap().Contains((8090, DataPathAbi.ProtoTcp)), "8090/tcp in the port map");

            var (code, output) = d.Dataplane("run", "-d", "--name", "clash-own", "-p", "8090:80", "--", "sleep", "60");
            Assert.True(code == 125, $"exit {code}: {output}");
            Assert.Contains("Bind for 0.0.0.0:8090 failed: port is already allocated", output);
            var (_, names) = d.Dataplane("ps", "-a", "--format", "{{.Names}}");
            Assert.DoesNotContain("clash-own", names);
            Assert.Single(d.PortMap(), m => m.Port == 8090); // Docker's mapping untouched
        }
        finally
        {
            d.Docker("rm", "-f", "clash-dk");
            d.Dataplane("rm", "-f", "clash-own");
        }
    }

    [PrivilegedFact]
    public void HostPortClash_OwnSandboxFirstThenDocker_DockerRunRefusedAndTheSandboxKeepsThePort()
    {
        try
        {
            var (ok, started) = d.Dataplane("run", "-d", "--name", "clash-own2", "-p", "8091:80", "--", "sleep", "60");
            Assert.True(ok == 0, started);
            var mapped = d.PortMap();
            Assert.Contains((8091, DataPathAbi.ProtoTcp), mapped);
            // The bind guard reserves ports for processes of the daemon's --socket-cgroup (the root cgroup
            // on a real host, where dockerd lives); here that is the lab's cgroup, so dockerd moves in.
            File.WriteAllText(Path.Combine(d.Cgroup.Path, "cgroup.procs"), d.DockerdPid.ToString(System.Globalization.CultureInfo.InvariantCulture));

            var (code, output) = d.Docker(["run", "-d", "--name", "clash-dk2", "-p", "8091:80", TinyImage.Name, .. Httpd]);
            Assert.True(code != 0, $"docker run took a host port a sandbox holds: {output}");
            Assert.Contains("8091", output);
            Assert.Contains("address already in use", output);
            Assert.Equal(mapped, d.PortMap());
        }
        finally
        {
            d.Docker("rm", "-f", "clash-dk2");
            d.Dataplane("rm", "-f", "clash-own2");
        }
    }
}
