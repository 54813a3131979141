using System.Diagnostics;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.EndToEnd;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using static Dataplane.Tests.EndToEnd.DataPathLab;

namespace Dataplane.Tests.Cni;

/// <summary>
/// The real `dataplane daemon` in a lab's fake host, the reference bridge + host-local chained with
/// dataplane-cni (no portmap, bridge ipMasq off), servers inside the CNI sandboxes and real TCP and
/// UDP from the external client namespace through the hostPort. The fake host carries no iptables
/// or nftables rule: the NAT is the daemon's BPF.
/// </summary>
public sealed class CniDaemonEndToEndTests : IDisposable
{
    private readonly DaemonLab _daemon = new();
    private readonly CniLab _cni;

    public CniDaemonEndToEndTests()
    {
        _cni = Privileges.IsRoot ? new CniLab(_daemon.Lab) : null!;
    }

    public void Dispose()
    {
        _cni?.Dispose();
        _daemon.Dispose();
    }

    private static void Ok(List<CniRun> runs)
    {
        foreach (var run in runs) Assert.True(run.ExitCode == 0, run.ToString());
    }

    [PrivilegedFact]
    public void HostPort_TcpUdpHairpinThenDel_ClientAddressKeptAndDelRemovesTheMapping()
    {
        var conflist = _cni.Conflist(socket: _daemon.Socket);
        var (web, webPod) = _cni.Pod("web", (8080, 7001, "tcp"), (5353, 53, "udp"));
        var (peer, peerPod) = _cni.Pod("peer");
        var result = conflist.Add(webPod);
        Ok(result);
        Ok(conflist.Add(peerPod));

        var tcp = _daemon.Lab.StartServer(web, "timeout 10 nc -v -n -l -W 1 7001", 7001);
        var (tcpExit, tcpClient) = Sh(_daemon.Lab.External, $"echo over-cni | nc -w 3 -N {Lab.HostAddress} 8080");
        var tcpLog = Lab.OutputOf(tcp);
        var udp = _daemon.Lab.StartServer(web, "timeout 10 nc -u -l -W 1 53", 53, udp: true);
        var (udpExit, udpClient) = Sh(_daemon.Lab.External, $"echo udp-over-cni | nc -u -w 1 {Lab.HostAddress} 5353");
        var udpLog = Lab.OutputOf(udp);
        var hairpin = _daemon.Lab.StartServer(web, "timeout 10 nc -l -W 1 7001", 7001);
        var (hairpinExit, hairpinClient) = Sh(peer, $"echo hairpin-cni | nc -w 3 -N {Lab.HostAddress} 8080");
        var hairpinLog = Lab.OutputOf(hairpin);
        var (_, rules) = Sh(_daemon.Lab.Host, "iptables-save; ip6tables-save; nft list ruleset");

        Assert.True(tcpExit == 0, tcpClient);
        Assert.Contains("over-cni", tcpLog);
        Assert.Contains(Lab.ExternalAddress.ToString(), tcpLog); // the client's address is kept
        Assert.True(udpExit == 0, udpClient);
        Assert.Contains("udp-over-cni", udpLog);
        Assert.True(hairpinExit == 0, hairpinClient);
        Assert.Contains("hairpin-cni", hairpinLog);
        Assert.DoesNotContain("-A ", rules);
        Assert.DoesNotContain("chain", rules);

        // The runtime stops the pod: DEL through the list in reverse, with the cached result.
        Ok(conflist.Del(webPod, result[^1].Output));
        var after = _daemon.Lab.StartServer(web, "timeout 5 nc -l -W 1 7001", 7001);
        var (afterExit, _) = Sh(_daemon.Lab.External, $"echo after-del | nc -w 2 -N {Lab.HostAddress} 8080");
        Assert.NotEqual(0, afterExit);
        Assert.DoesNotContain("after-del", Lab.OutputOf(after));
    }

    /// <summary>bridge + host-local with an IPv6 range too: the hostPort answers an IPv6 client on the host's
    /// IPv6 address (client address kept), and masquerade takes the pod's IPv6 traffic out (NAT66).</summary>
    [PrivilegedFact]
    public void DualStackPod_Ipv6ClientReachesHostPort_AddressKept_Nat66Out()
    {
        // The uplink's IPv6 address exists before the data path starts, as on a real host.
        Sh(_daemon.Lab.Host, "ip -6 addr replace 2001:db8:64::1/64 dev uplink0 nodad");
        Sh(_daemon.Lab.External, "ip -6 addr replace 2001:db8:64::2/64 dev eth0 nodad");
        _daemon.KillDaemon();
        _daemon.StartDaemon();
        var conflist = _cni.Conflist(socket: _daemon.Socket, masquerade: true, dualStack: true);
        var (web, webPod) = _cni.Pod("web6", (8080, 7001, "tcp"));
        Ok(conflist.Add(webPod));

        var tcp = _daemon.Lab.StartServer(web, "timeout 10 nc -6 -v -n -l -W 1 7001", 7001);
        var (tcpExit, tcpClient) = Sh(_daemon.Lab.External, "echo over-cni6 | nc -6 -w 3 -N 2001:db8:64::1 8080");
        var tcpLog = Lab.OutputOf(tcp);
        var server = _daemon.Lab.StartServer(_daemon.Lab.External, "timeout 10 nc -6 -v -n -l -W 1 7101", 7101);
        var (outExit, outClient) = Sh(web, "echo nat66 | nc -6 -w 3 -N 2001:db8:64::2 7101");
        var outLog = Lab.OutputOf(server);

        Assert.True(tcpExit == 0, tcpClient);
        Assert.Contains("over-cni6", tcpLog);
        Assert.Contains("Connection received on 2001:db8:64::2", tcpLog); // the client's address is kept
        Assert.True(outExit == 0, outClient);
        Assert.Contains("nat66", outLog);
        Assert.Contains("Connection received on 2001:db8:64::1", outLog);
    }

    [PrivilegedFact]
    public void Masquerade_ConflistAsksForIt_ExternalSeesTheHostAddress()
    {
        var conflist = _cni.Conflist(masquerade: true, socket: _daemon.Socket);
        var (pod, inv) = _cni.Pod("out");
        Ok(conflist.Add(inv));

        var server = _daemon.Lab.StartServer(_daemon.Lab.External, "timeout 10 nc -v -n -l -W 1 7100", 7100);
        var (exit, client) = Sh(pod, $"echo masqueraded | nc -w 3 -N {Lab.ExternalAddress} 7100");
        var log = Lab.OutputOf(server);

        Assert.True(exit == 0, client);
        Assert.Contains("masqueraded", log);
        Assert.Contains($"Connection received on {Lab.HostAddress}", log);
    }

    [PrivilegedFact]
    public void HostPort_DaemonKilledAndRestarted_MappingSurvivesAndDelStillWorks()
    {
        var conflist = _cni.Conflist(socket: _daemon.Socket);
        var (web, webPod) = _cni.Pod("web", (8090, 7002, "tcp"));
        var result = conflist.Add(webPod);
        Ok(result);

        _daemon.KillDaemon();
        _daemon.StartDaemon();
        var server = _daemon.Lab.StartServer(web, "timeout 10 nc -l -W 1 7002", 7002);
        var (exit, client) = Sh(_daemon.Lab.External, $"echo after-restart | nc -w 3 -N {Lab.HostAddress} 8090");
        var log = Lab.OutputOf(server);
        Ok(conflist.Check(webPod, result[^1].Output!));
        Ok(conflist.Del(webPod, result[^1].Output));

        Assert.True(exit == 0, client);
        Assert.Contains("after-restart", log);
        Assert.DoesNotContain(webPod.ContainerId, File.ReadAllText(Path.Combine(_daemon.StateDir, "cni-attachments.json")));
    }

    [PrivilegedFact]
    public void Del_SandboxAlreadyGone_SucceedsAndFreesTheHostPortForTheNextPod()
    {
        var conflist = _cni.Conflist(socket: _daemon.Socket);
        var (goneNs, gone) = _cni.Pod("gone", (8095, 7003, "tcp"));
        var result = conflist.Add(gone);
        Ok(result);
        string hostVeth = (string)result[^1].Output!["interfaces"]!.AsArray()
            .Single(i => i!["sandbox"] is null && (string?)i["name"] != _cni.Bridge)!["name"]!;

        // The runtime removed the sandbox before calling DEL: the kernel took the veth pair with it.
        goneNs.Dispose();
        NetworkNamespace.Delete(goneNs.Name!);
        using (var nl = RtNetlink.Open(_daemon.Lab.Host))
            for (var deadline = Environment.TickCount64 + 10_000; nl.TryGetLink(hostVeth) is not null;)
            {
                Assert.True(Environment.TickCount64 < deadline, $"{hostVeth} outlived its peer's namespace by 10 s");
                Thread.Sleep(20);
            }
        var del = conflist.Del(gone, result[^1].Output);
        var (next, nextPod) = _cni.Pod("next", (8095, 7003, "tcp"));
        var nextAdd = conflist.Add(nextPod);

        Ok(del);
        Ok(nextAdd);
        var server = _daemon.Lab.StartServer(next, "timeout 10 nc -l -W 1 7003", 7003);
        var (exit, client) = Sh(_daemon.Lab.External, $"echo next-pod | nc -w 3 -N {Lab.HostAddress} 8095");
        Assert.True(exit == 0, client);
        Assert.Contains("next-pod", Lab.OutputOf(server));
    }
}
