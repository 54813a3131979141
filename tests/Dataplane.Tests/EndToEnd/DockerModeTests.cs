using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Runtimes;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// Docker mode end to end: a real dockerd (iptables, ip6tables, userland-proxy off) and the real
/// `dataplane daemon --docker` in one fake host; real containers from the docker CLI, real traffic
/// from the external client. One engine and one daemon for the class; each test removes its containers.
/// </summary>
public sealed class DockerModeTests(DockerModeLab d, ITestOutputHelper output) : IClassFixture<DockerModeLab>
{
    private static readonly string Host = Lab.HostAddress.ToString();
    private static readonly string[] Httpd = ["httpd", "-f", "-p", "80", "-h", "/www"];

    private string Run(string name, params string[] args)
        => d.DockerOk(["run", "-d", "--name", name, .. args]);

    private void Remove(params string[] names)
    {
        foreach (var n in names) d.Docker("rm", "-f", n);
    }

    private bool Mapped(int port, byte proto = DataPathAbi.ProtoTcp) => d.PortMap().Contains((port, proto));

    private static (int Code, string Output) Curl(Support.Topology.Lab lab, string url, string prefix = "")
        => Lab.RunIn(lab.External, "sh", $"-c \"{prefix}curl -s --max-time 3 {url}\"");

    [PrivilegedFact]
    public void Run_PublishedPort_LiveAtOnceClientAddressKeptTcpUdpAndManyConnections()
    {
        try
        {
            Run("web", ["-p", "8080:80", TinyImage.Name, .. Httpd]);
            var live = DockerModeLab.Await(() => Mapped(8080), "8080/tcp in the port map");
            output.WriteLine($"port in the map {live.TotalMilliseconds:F1} ms after `docker run -d` returned");
            Assert.Equal("0.0.0.0:8080", d.DockerOk("port", "web", "80/tcp").Split('\n')[0]); // docker port unchanged
            // No NAT rule anywhere in the Docker host: the translation is the data path's.
            var (nftCode, ruleset) = Lab.RunIn(d.Lab.Host, "nft", "list ruleset");
            Assert.True(nftCode == 0 && ruleset.Trim().Length == 0, ruleset);

            var (code, seen) = Lab.RunIn(d.Lab.External, "curl", $"-s --max-time 5 --retry 20 --retry-connrefused --retry-delay 0 http://{Host}:8080/cgi-bin/ip");
            Assert.True(code == 0, seen);
            Assert.Equal(Lab.ExternalAddress.ToString(), seen.Trim()); // no masquerade of the client: its address reaches the server

            var (loop, ok) = Lab.RunIn(d.Lab.External, "sh", $"-c \"n=0; for i in $(seq 100); do curl -s -o /dev/null --max-time 3 http://{Host}:8080/ && n=$((n+1)); done; echo $n\"", TimeSpan.FromSeconds(120));
            Assert.Equal("100", ok.Trim());

            Run("perf", ["-p", "5201:5201", "-p", "5201:5201/udp", TinyImage.Name, "iperf3", "-s"]);
            DockerModeLab.Await(() => Mapped(5201) && Mapped(5201, DataPathAbi.ProtoUdp), "5201 tcp and udp in the port map");
            var (tcp, tcpOut) = Lab.RunIn(d.Lab.External, "sh", $"-c \"for i in $(seq 50); do iperf3 -c {Host} -p 5201 -t 1 --connect-timeout 1000 && exit 0; sleep 0.1; done; exit 1\"", TimeSpan.FromSeconds(60));
            Assert.True(tcp == 0, tcpOut);
            var (udp, udpOut) = Lab.RunIn(d.Lab.External, "iperf3", $"-c {Host} -p 5201 -u -b 20M -t 1 --connect-timeout 3000");
            Assert.True(udp == 0, udpOut);
            Assert.Contains("receiver", udpOut);
        }
        finally
        {
            Remove("web", "perf");
        }
    }

    [PrivilegedFact]
    public void PublishedPort_FromTheDockerHostAndHairpin_ReachTheContainerWithoutDockerProxy()
    {
        try
        {
            Run("local", ["-p", "8081:80", "-p", "127.0.0.1:8082:80", TinyImage.Name, .. Httpd]);
            DockerModeLab.Await(() => Mapped(8081) && Mapped(8082), "8081 and 8082 in the port map");
            Assert.DoesNotContain(Directory.GetDirectories("/proc"), p => File.Exists(p + "/comm") && SafeRead(p + "/comm").Trim() == "docker-proxy"
                && RuntimeReaper.NetnsInode(p + "/ns/net") == d.HostNetnsInode);

            // From the Docker host itself: 127.0.0.1 and the host address, through the socket hooks.
            foreach (var url in new[] { "http://127.0.0.1:8081/", "http://127.0.0.1:8082/", $"http://{Host}:8081/" })
            {
                var (code, body) = Lab.RunIn(d.Lab.Host, "sh", $"-c \"{d.Cgroup.EnterCommand} curl -s --max-time 5 --retry 20 --retry-connrefused --retry-delay 0 {url}\"");
                Assert.True(code == 0 && body.Contains("hello from docker"), $"{url}: {code} {body}");
            }
            // 127.0.0.1:8082 is not published on the host address.
            Assert.NotEqual(0, Curl(d.Lab, $"http://{Host}:8082/").Code);

            // Hairpin: a container reaches a published port of its own network through the host address.
            var (hairpin, seen) = d.Docker("run", "--rm", TinyImage.Name, "curl", "-s", "--max-time", "5", "--retry", "20", "--retry-connrefused", "--retry-delay", "0", $"http://{Host}:8081/cgi-bin/ip");
            Assert.True(hairpin == 0, $"exit {hairpin}: {seen}\n{d.DataplaneLog}");
            Assert.StartsWith("198.19.", seen.Trim());
        }
        finally
        {
            Remove("local");
        }
    }

    [PrivilegedFact]
    public void StopAndRm_PortClosedAtOnceAndNoMapEntryLeft()
    {
        var before = d.PortMap();
        try
        {
            Run("brief", ["-p", "8083:80", TinyImage.Name, .. Httpd]);
            DockerModeLab.Await(() => Mapped(8083), "8083 in the port map");
            Assert.Equal(0, Lab.RunIn(d.Lab.External, "curl", $"-s --max-time 5 --retry 20 --retry-connrefused --retry-delay 0 http://{Host}:8083/").ExitCode);

            d.DockerOk("stop", "-t", "1", "brief");
            var gone = DockerModeLab.Await(() => !Mapped(8083), "8083 gone from the port map", 5_000);
            output.WriteLine($"port out of the map {gone.TotalMilliseconds:F1} ms after `docker stop` returned");
            Assert.NotEqual(0, Curl(d.Lab, $"http://{Host}:8083/").Code);

            d.DockerOk("rm", "brief");
            Assert.Equal(before, d.PortMap());
        }
        finally
        {
            Remove("brief");
        }
    }

    [PrivilegedFact]
    public void RangesAndPublishAll_EveryPortDockerChoseIsMappedAndServes()
    {
        try
        {
            Run("ranged", ["-p", "9100-9101:80-81", "-P", "--expose", "7000", TinyImage.Name, .. Httpd]);
            var chosen = int.Parse(d.DockerOk("port", "ranged", "7000/tcp").Split('\n')[0].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
            DockerModeLab.Await(() => Mapped(9100) && Mapped(9101) && Mapped(chosen), $"9100, 9101 and {chosen} (-P) in the port map");
            Assert.Equal(0, Lab.RunIn(d.Lab.External, "curl", $"-s --max-time 5 --retry 20 --retry-connrefused --retry-delay 0 http://{Host}:9100/").ExitCode);
        }
        finally
        {
            Remove("ranged");
        }
    }

    [PrivilegedFact]
    public void MasqueradeInternalAndIccOff_AsTheNetworkOptionsSay()
    {
        try
        {
            var server = d.Lab.StartIn(d.Lab.External, "iperf3", "-s -p 5990");
            Lab.AwaitListener(d.Lab.External, 5990);
            // Docker starts the process while Dataplane adopts the endpoint from the start event: a first SYN
            // may leave before that (untranslated, unanswered); its retransmission (1 s, 3 s) is masqueraded.
            string[] toExternal = ["iperf3", "-c", Lab.ExternalAddress.ToString(), "-p", "5990", "-t", "1", "--connect-timeout", "10000"];

            // docker0: out through masquerade to the external client.
            var (outCode, outText) = d.Docker(["run", "--rm", TinyImage.Name, .. toExternal]);
            Assert.True(outCode == 0, $"{outText}\n{d.DataplaneLog}");

            // An internal network reaches nothing outside.
            d.DockerOk("network", "create", "--internal", "--subnet", "198.19.212.0/24", "dpt-inner");
            Assert.NotEqual(0, d.Docker(["run", "--rm", "--network", "dpt-inner", TinyImage.Name, .. toExternal]).ExitCode);

            // ICC off: containers on one bridge do not reach each other.
            d.DockerOk("network", "create", "-o", "com.docker.network.bridge.enable_icc=false", "--subnet", "198.19.213.0/24", "dpt-noicc");
            Run("noicc-srv", ["--network", "dpt-noicc", "--ip", "198.19.213.10", TinyImage.Name, .. Httpd]);
            DockerModeLab.Await(() => d.DataplaneLog.Contains("noicc-srv on dpt-noicc"), "noicc-srv adopted");
            Assert.NotEqual(0, d.Docker("run", "--rm", "--network", "dpt-noicc", TinyImage.Name, "curl", "-s", "--max-time", "3", "http://198.19.213.10/").ExitCode);
        }
        finally
        {
            Remove("noicc-srv");
            d.Docker("network", "rm", "dpt-inner", "dpt-noicc");
        }
    }

    [PrivilegedFact]
    public void TwoNetworks_ContainersIsolatedAcrossAndReachableWithin()
    {
        try
        {
            d.DockerOk("network", "create", "--subnet", "198.19.210.0/24", "dpt-a");
            d.DockerOk("network", "create", "--subnet", "198.19.211.0/24", "dpt-b");
            Run("srv-a", ["--network", "dpt-a", "--ip", "198.19.210.10", TinyImage.Name, .. Httpd]);
            var (within, body) = d.Docker("run", "--rm", "--network", "dpt-a", TinyImage.Name, "curl", "-s", "--max-time", "5", "--retry", "20", "--retry-connrefused", "--retry-delay", "0", "http://198.19.210.10/");
            Assert.True(within == 0, $"exit {within}: {body}\n{d.DataplaneLog}");
            var (across, _) = d.Docker("run", "--rm", "--network", "dpt-b", TinyImage.Name, "curl", "-s", "--max-time", "3", "http://198.19.210.10/");
            Assert.NotEqual(0, across);
        }
        finally
        {
            Remove("srv-a");
            d.Docker("network", "rm", "dpt-a", "dpt-b");
        }
    }

    /// <summary>A network Docker made dual-stack: `-p 8090:80` answers an IPv6 client on the host's IPv6
    /// address with the client's address kept (Docker's own IPv6 would need ip6tables or its proxy),
    /// and the container's IPv6 traffic out leaves with the host's address (NAT66).</summary>
    [PrivilegedFact]
    public void DualStackNetwork_Ipv6ClientReachesPublishedPort_AddressKept_Nat66Out()
    {
        System.Diagnostics.Process? server = null;
        try
        {
            // The uplink's IPv6 address exists before the data path starts, as on a real host.
            Assert.Equal(0, Lab.RunIn(d.Lab.Host, "ip", "-6 addr replace 2001:db8:71::1/64 dev uplink0 nodad").ExitCode);
            Assert.Equal(0, Lab.RunIn(d.Lab.External, "ip", "-6 addr replace 2001:db8:71::2/64 dev eth0 nodad").ExitCode);
            d.KillDataplane();
            d.StartDataplane();
            d.DockerOk("network", "create", "--ipv6", "--subnet", "198.19.71.0/24", "--subnet", "fd00:71::/64", "dpt-v6");
            Run("web6", ["--network", "dpt-v6", "-p", "8090:80", TinyImage.Name, .. Httpd]);
            var v6 = d.DockerOk("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}", "web6").Trim();
            Assert.StartsWith("fd00:71::", v6);
            DockerModeLab.Await(() => Mapped(8090), "8090/tcp in the port map");

            var (code, seen) = Lab.RunIn(d.Lab.External, "curl", "-g -s --max-time 5 --retry 20 --retry-connrefused --retry-delay 0 http://[2001:db8:71::1]:8090/cgi-bin/ip");
            Assert.True(code == 0, $"{seen}\n{d.DataplaneLog}");
            Assert.Equal("2001:db8:71::2", seen.Trim().Trim('[', ']')); // busybox httpd brackets an IPv6 REMOTE_ADDR

            // Out: the external side sees the uplink's address, not the container's ULA (iperf3 -J reports the peer).
            server = d.Lab.StartIn(d.Lab.External, "iperf3", "-s -1 -J -p 5991");
            Lab.AwaitListener(d.Lab.External, 5991);
            var (outCode, outText) = d.Docker("exec", "web6", "iperf3", "-6", "-c", "2001:db8:71::2", "-p", "5991", "-t", "1", "--connect-timeout", "10000");
            Assert.True(outCode == 0, $"{outText}\n{d.DataplaneLog}");
            Assert.True(server.WaitForExit(10_000));
            Assert.Matches("\"remote_host\":\\s*\"2001:db8:71::1\"", server.StandardOutput.ReadToEnd());
        }
        finally
        {
            if (server is { HasExited: false }) server.Kill();
            server?.Dispose();
            Remove("web6");
            d.Docker("network", "rm", "dpt-v6");
        }
    }

    [PrivilegedFact]
    public void DockerdRestartAndDataplaneKill_FlowsKeepGoingAndMapsStayExact()
    {
        try
        {
            Run("steady", ["-p", "5202:5201", TinyImage.Name, "iperf3", "-s"]);
            Run("doomed", ["-p", "8084:80", TinyImage.Name, .. Httpd]);
            DockerModeLab.Await(() => Mapped(5202) && Mapped(8084), "5202 and 8084 in the port map");
            var mapped = d.PortMap();

            // A 12 s TCP flow across a dockerd restart (live-restore keeps the containers).
            var flow = d.Lab.StartIn(d.Lab.External, "sh", $"-c \"for i in $(seq 50); do iperf3 -c {Host} -p 5202 -t 12 --connect-timeout 1000 && exit 0; sleep 0.1; done; exit 1\"");
            Thread.Sleep(1500);
            d.RestartDockerd();
            DockerModeLab.Await(() => d.DataplaneLog.Contains("reconnected"), "the frontend to reconnect", 30_000);
            Assert.Equal(mapped, d.PortMap());

            // Then Dataplane itself is killed; a container removed while it is down is released on restart.
            d.KillDataplane();
            d.DockerOk("rm", "-f", "doomed");
            d.StartDataplane();
            if (!flow.WaitForExit(30_000))
            {
                flow.Kill(entireProcessTree: true);
                flow.WaitForExit();
                Assert.Fail($"the flow did not finish: {flow.StandardOutput.ReadToEnd()}\n{d.DataplaneLog}");
            }
            Assert.True(flow.ExitCode == 0, flow.StandardOutput.ReadToEnd() + flow.StandardError.ReadToEnd());
            Assert.Equal(mapped.Where(m => m.Port != 8084), d.PortMap());
            Assert.Equal(0, Lab.RunIn(d.Lab.External, "iperf3", $"-c {Host} -p 5202 -t 1 --connect-timeout 3000").ExitCode);
        }
        finally
        {
            Remove("steady", "doomed");
        }
    }

    private static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
    }
}
