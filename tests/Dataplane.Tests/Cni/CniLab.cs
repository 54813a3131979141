using System.Text.Json.Nodes;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Cni;

/// <summary>
/// A lab for CNI: the fake host and external client of <see cref="Lab"/>, sandbox namespaces for
/// pods, and a conflist of the reference bridge (ipMasq off, host-local IPAM with its own data
/// directory) followed by dataplane-cni. Everything is removed on dispose.
/// </summary>
public sealed class CniLab : IDisposable
{
    public const string Subnet = "198.18.64.0/24";
    public const string Gateway = "198.18.64.1";

    private readonly NamespaceSet _pods = new();
    private readonly bool _ownsLab;

    /// <summary>In <paramref name="lab"/>'s fake host (a daemon lab's, say), else in a lab of its own.</summary>
    public CniLab(Lab? lab = null)
    {
        _ownsLab = lab is null;
        Lab = lab ?? new Lab();
        Dir = Directory.CreateTempSubdirectory(TestNames.Unique("cni")).FullName;
    }

    public Lab Lab { get; }

    /// <summary>host-local's data directory, the daemon socket and state: nothing outside it.</summary>
    public string Dir { get; }

    public string Bridge { get; } = $"dpc{Random.Shared.Next(0x1000000):x6}";

    public string NetworkName { get; } = "dpcnet" + Random.Shared.Next(0x10000).ToString("x4");

    public string Socket => Path.Combine(Dir, "dataplane.sock");

    public const string SubnetV6 = "fd00:64::/64";
    public const string GatewayV6 = "fd00:64::1";

    public JsonObject BridgePlugin(bool dualStack = false) => new()
    {
        ["type"] = "bridge",
        ["bridge"] = Bridge,
        ["isGateway"] = true,
        ["ipMasq"] = false,
        ["hairpinMode"] = true,
        ["ipam"] = new JsonObject
        {
            ["type"] = "host-local",
            ["ranges"] = dualStack
                ? new JsonArray(new JsonArray(new JsonObject { ["subnet"] = Subnet, ["gateway"] = Gateway }), new JsonArray(new JsonObject { ["subnet"] = SubnetV6, ["gateway"] = GatewayV6 }))
                : new JsonArray(new JsonArray(new JsonObject { ["subnet"] = Subnet, ["gateway"] = Gateway })),
            ["routes"] = dualStack
                ? new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }, new JsonObject { ["dst"] = "::/0" })
                : new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
            ["dataDir"] = Path.Combine(Dir, "host-local"),
        },
    };

    public JsonObject DataplanePlugin(bool masquerade = false, string? socket = null) => new()
    {
        ["type"] = "dataplane-cni",
        ["capabilities"] = new JsonObject { ["portMappings"] = true },
        ["masquerade"] = masquerade,
        ["socket"] = socket ?? Socket,
    };

    /// <summary>bridge + host-local, then dataplane-cni: the list a user writes instead of bridge + portmap.</summary>
    public CniConflist Conflist(string cniVersion = "1.0.0", bool masquerade = false, string? socket = null, bool dualStack = false)
        => new(Lab.Host, NetworkName, cniVersion, BridgePlugin(dualStack), DataplanePlugin(masquerade, socket));

    /// <summary>A sandbox namespace for a pod, and how the runtime would name it to the plugins.</summary>
    public (NetworkNamespace Ns, CniInvocation Inv) Pod(string role, params (int HostPort, int ContainerPort, string Protocol)[] ports)
    {
        var ns = _pods.CreateWithLoopback(role);
        return (ns, new CniInvocation(Guid.NewGuid().ToString("N"), NetworkNamespace.PathOf(ns.Name!), "eth0", RuntimeConfig(ports)));
    }

    /// <summary>The runtimeConfig a runtime passes for `-p HOST:CONTAINER/PROTO` options.</summary>
    public static JsonObject RuntimeConfig(params (int HostPort, int ContainerPort, string Protocol)[] ports) => new()
    {
        ["portMappings"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject
        {
            ["hostPort"] = p.HostPort, ["containerPort"] = p.ContainerPort, ["protocol"] = p.Protocol, ["hostIP"] = "",
        }).ToArray()),
    };

    public void Dispose()
    {
        _pods.Dispose();
        if (_ownsLab) Lab.Dispose();
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
    }
}
