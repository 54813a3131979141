using System.Text.Json.Nodes;
using Dataplane.Tests.EndToEnd;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using static Dataplane.Tests.EndToEnd.DataPathLab;

namespace Dataplane.Tests.Cni;

/// <summary>
/// A real runtime: Podman (network_backend "cni") with a conflist naming dataplane-cni where portmap
/// would be, inside a lab's fake host beside the real daemon; `podman run -p` with real traffic from
/// the external client namespace.
/// </summary>
public sealed class CniPodmanTests : IDisposable
{
    private readonly DaemonLab _daemon = new();
    private readonly CniLab _cni = null!;
    private readonly PodmanLab _podman = null!;

    public CniPodmanTests()
    {
        if (!Privileges.IsRoot) return;
        try
        {
            _cni = new CniLab(_daemon.Lab);
            var plugin = _cni.DataplanePlugin(socket: _daemon.Socket);
            plugin["reserveHostPorts"] = false; // Podman binds each published host port itself (conmon holds it)
            _podman = new PodmanLab(_daemon.Lab.Host, new JsonObject
            {
                ["cniVersion"] = "1.0.0",
                ["name"] = _cni.NetworkName,
                ["plugins"] = new JsonArray(_cni.BridgePlugin(), plugin),
            });
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _podman?.Dispose();
        _cni?.Dispose();
        _daemon.Dispose();
    }

    [PrivilegedFact]
    public void PodmanRunPublish_ExternalAndHairpinTraffic_ClientAddressKeptNoIptablesAndRmRemovesTheMapping()
    {
        _podman.Ok($"run -d --name web {PodmanLab.Ulimits} -p 8080:80 {PodmanLab.Image} httpd -f -p 80 -h /www");
        var attachments = Path.Combine(_daemon.StateDir, "cni-attachments.json");

        var (exit, body) = Sh(_daemon.Lab.External, $"curl -s -m 5 --retry 5 --retry-connrefused --retry-delay 1 http://{Lab.HostAddress}:8080/cgi-bin/ip");
        _podman.Ok($"run -d --name hairpin {PodmanLab.Ulimits} {PodmanLab.Image} sh -c 'printf \"GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n\" | nc {Lab.HostAddress} 8080'");
        var hairpin = _podman.AwaitLogs("hairpin", "client=");
        var (_, rules) = Sh(_daemon.Lab.Host, "iptables-save; ip6tables-save; nft list ruleset");
        var recorded = File.ReadAllText(attachments);
        _podman.Ok("rm --force --time 0 web");
        var (afterExit, after) = Sh(_daemon.Lab.External, $"curl -s -m 3 http://{Lab.HostAddress}:8080/cgi-bin/ip");

        Assert.True(exit == 0, body);
        Assert.Contains("client=", body);
        Assert.Contains(Lab.ExternalAddress.ToString(), body); // the external client's address (as ::ffff:a.b.c.d), not the host's
        Assert.Contains("client=", hairpin);
        Assert.Contains(CniLab.Subnet[..^4], hairpin); // a container of the CNI network reached its neighbour through the host port
        Assert.DoesNotContain("-A ", rules);
        Assert.DoesNotContain("chain", rules);
        Assert.Contains("\"hostPort\": 8080", recorded);
        Assert.NotEqual(0, afterExit);
        Assert.DoesNotContain("client=", after);
        Assert.DoesNotContain("8080", File.ReadAllText(attachments).Split("\"attachments\"")[1].Replace("[]", ""));
    }
}
