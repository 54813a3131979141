using System.Text.Json.Nodes;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Frontends.Cni;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.Cni;

/// <summary>
/// The conflist bridge + host-local + dataplane-cni driven as libcni drives it, with the real
/// reference plugins in a lab's fake host and the daemon's CNI routes and frontend serving the
/// plugin over a Unix socket, in front of an engine that records what it is asked.
/// </summary>
public sealed class CniChainTests : IAsyncLifetime
{
    private CniLab _lab = null!;
    private RecordingEngine _engine = null!;
    private CniAttachmentStore _store = null!;
    private CniFrontend _frontend = null!;
    private ApiServer? _daemon; // serving only the CNI routes, as the daemon maps them (errors included)

    public async Task InitializeAsync()
    {
        if (!Privileges.IsRoot) return;
        _lab = new CniLab();
        _engine = new RecordingEngine(HostLinks);
        _store = new CniAttachmentStore(Path.Combine(_lab.Dir, "state"));
        _frontend = new CniFrontend(_engine, _store, new CniHostLinks(HostLinks));
        _daemon = await ApiServer.StartAsync(_lab.Socket, api => api.MapCniApi(_frontend));
    }

    public async Task DisposeAsync()
    {
        if (_daemon is not null) await _daemon.DisposeAsync();
        _lab?.Dispose();
    }

    private RtNetlink HostLinks() => RtNetlink.Open(_lab.Lab.Host);

    private static JsonNode Succeeded(List<CniRun> runs)
    {
        foreach (var run in runs) Assert.True(run.ExitCode == 0, run.ToString());
        return runs[^1].Output!;
    }

    [PrivilegedTheory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public void Add_AfterBridge_AdoptsTheHostVethPublishesAndPassesPrevResultOn(string cniVersion)
    {
        var conflist = _lab.Conflist(cniVersion);
        var (_, pod) = _lab.Pod("pod", (8080, 80, "tcp"), (5353, 53, "udp"));

        var runs = conflist.Add(pod);

        var result = Succeeded(runs);
        Assert.True(JsonNode.DeepEquals(runs[0].Output, result), $"prevResult changed:\n{runs[0].Stdout}\n{runs[1].Stdout}");
        string hostVeth = (string)result["interfaces"]!.AsArray().Single(i => i!["sandbox"] is null && (string?)i["name"] != _lab.Bridge)!["name"]!;
        using (var nl = HostLinks())
            Assert.Equal(nl.GetLink(_lab.Bridge).Index, nl.GetLink(hostVeth).MasterIndex);
        string owner = $"cni:{pod.ContainerId}/eth0";
        Assert.Equal(
            [$"AdoptNetwork cni-{_lab.NetworkName}", $"AdoptEndpoint {owner} {hostVeth}", $"Publish {owner} reserve=True :8080->80/tcp,:5353->53/udp"],
            _engine.Calls);
        var network = _engine.Networks[$"cni-{_lab.NetworkName}"];
        Assert.Equal((_lab.Bridge, "198.18.64.0", 24, CniLab.Gateway, false),
            (network.Bridge, network.Subnet.ToString(), network.PrefixLength, network.Gateway.ToString(), network.Masquerade));
        var recorded = Assert.Single(_store.Load());
        Assert.Equal((pod.ContainerId, "eth0", hostVeth, _lab.Bridge), (recorded.ContainerId, recorded.IfName, recorded.HostVeth, recorded.Bridge));
    }

    [PrivilegedFact]
    public void CheckDelDelAgain_AfterAdd_CheckPassesDelReleasesEverythingTwice()
    {
        var conflist = _lab.Conflist(masquerade: true);
        var (_, pod) = _lab.Pod("pod", (8081, 80, "tcp"));
        var result = Succeeded(conflist.Add(pod));
        Assert.True(_engine.Networks.Single().Value.Masquerade);

        Succeeded(conflist.Check(pod, result));
        var changedPorts = conflist.Check(pod with { RuntimeConfig = CniLab.RuntimeConfig((9090, 80, "tcp")) }, result);
        Succeeded(conflist.Del(pod, result));
        int releasesAfterFirstDel = _engine.Calls.Count(c => c.StartsWith("Release", StringComparison.Ordinal));
        Succeeded(conflist.Del(pod, result));
        var checkAfterDel = conflist.Exec(_lab.DataplanePlugin(masquerade: true), "CHECK", pod, result);

        Assert.Equal(7, changedPorts[1].ErrorCode);
        Assert.Contains("9090", changedPorts[1].ErrorMessage);
        Assert.True(releasesAfterFirstDel >= 1);
        Assert.Contains($"ForgetNetwork cni-{_lab.NetworkName}", _engine.Calls);
        Assert.Empty(_engine.Endpoints(OwnerKind.Cni));
        Assert.Empty(_store.Load());
        Assert.Equal(3, checkAfterDel.ErrorCode);
        using var nl = HostLinks();
        Assert.Null(nl.ListLinks().FirstOrDefault(l => l.Kind == "veth" && l.MasterIndex == nl.GetLink(_lab.Bridge).Index));
    }

    [PrivilegedFact]
    public void Add_HostPortPublishedByAnotherPod_FailsNamingPortAndOwnerAndLeavesNothing()
    {
        var conflist = _lab.Conflist();
        var (_, first) = _lab.Pod("a", (8082, 80, "tcp"));
        var (_, second) = _lab.Pod("b", (8082, 80, "tcp"));
        Succeeded(conflist.Add(first));

        var runs = conflist.Add(second);

        Assert.Equal(100, runs[1].ErrorCode);
        Assert.Contains("8082", runs[1].ErrorMessage);
        Assert.Contains(first.ContainerId, runs[1].ErrorMessage);
        Assert.Equal([$"cni:{first.ContainerId}/eth0"], _engine.Endpoints(OwnerKind.Cni).Select(e => e.Owner.ToString()));
        Assert.Equal([first.ContainerId], _store.Load().Select(a => a.ContainerId));
    }

    [PrivilegedFact]
    public void GcStatus_Version110_ReleasesWhatTheRuntimeNoLongerListsAndReportsReady()
    {
        var conflist = _lab.Conflist();
        var (_, kept) = _lab.Pod("kept");
        var (_, stale) = _lab.Pod("stale", (8083, 80, "udp"));
        Succeeded(conflist.Add(kept));
        Succeeded(conflist.Add(stale));
        var plugin = _lab.DataplanePlugin();

        var gc = conflist.Exec(plugin, "GC", null, null, conf =>
        {
            conf["cniVersion"] = "1.1.0";
            conf["cni.dev/valid-attachments"] = new JsonArray(new JsonObject { ["containerID"] = kept.ContainerId, ["ifname"] = "eth0" });
        });
        var status = conflist.Exec(plugin, "STATUS", null, null, conf => conf["cniVersion"] = "1.1.0");

        Assert.True(gc.ExitCode == 0, gc.ToString());
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"Release cni:{stale.ContainerId}/eth0", _engine.Calls);
        Assert.DoesNotContain($"Release cni:{kept.ContainerId}/eth0", _engine.Calls);
        Assert.Equal([kept.ContainerId], _store.Load().Select(a => a.ContainerId));
    }

    [PrivilegedFact]
    public void Restore_DaemonRestarted_AdoptsLiveVethsClaimsTheirPortsAndDropsGoneOnes()
    {
        var conflist = _lab.Conflist();
        var (_, live) = _lab.Pod("live", (8084, 80, "tcp"));
        var (goneNs, gone) = _lab.Pod("gone", (8085, 80, "tcp"));
        Succeeded(conflist.Add(live));
        Succeeded(conflist.Add(gone));
        var goneVeth = _store.Load().Single(a => a.ContainerId == gone.ContainerId).HostVeth;
        // The sandbox dies while the daemon is away: its namespace goes, and the kernel deletes the veth pair.
        goneNs.Dispose();
        NetworkNamespace.Delete(goneNs.Name!);
        AwaitGone(goneVeth);

        var restarted = new RecordingEngine(HostLinks);
        var claims = new CniFrontend(restarted, _store, new CniHostLinks(HostLinks)).Restore();

        var liveVeth = _store.Load().Single().HostVeth;
        Assert.Equal([$"AdoptNetwork cni-{_lab.NetworkName}", $"AdoptEndpoint cni:{live.ContainerId}/eth0 {liveVeth}"], restarted.Calls);
        var claim = Assert.Single(claims);
        Assert.Equal(CniEngineSpecs.OwnerOf(live.ContainerId, "eth0"), claim.Owner);
        Assert.Equal(["0.0.0.0:8084->80/tcp"], claim.Ports.Select(p => $"{p.HostEndpoint}->{p.Container}"));
        Assert.Equal([live.ContainerId], _store.Load().Select(a => a.ContainerId));
    }

    private void AwaitGone(string link)
    {
        var deadline = Environment.TickCount64 + 10_000;
        using var nl = HostLinks();
        while (nl.TryGetLink(link) is not null)
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"{link} still exists 10 s after its peer's namespace was deleted");
            Thread.Sleep(20);
        }
    }
}
