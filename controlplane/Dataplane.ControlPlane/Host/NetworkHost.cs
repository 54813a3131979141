using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dataplane.ControlPlane.Host;

/// <summary>
/// Everything the daemon does to the kernel: bridges, sandboxes (named network namespaces), veths,
/// addresses and routes over rtnetlink, and the data path's programs and maps. Every operation is
/// all-or-nothing: a failure part-way undoes what the operation had done and rethrows.
/// Netlink and attachments act in the managed namespace whatever thread calls.
/// </summary>
public sealed class NetworkHost : IDisposable
{
    private readonly NetworkNamespace _ns;
    private readonly RtNetlink _links;
    private readonly DataPathProgram _dataPath;
    private readonly ILogger _log;
    private readonly Lock _gate = new();

    private NetworkHost(NetworkHostOptions options, NetworkNamespace ns, RtNetlink links, DataPathProgram dataPath, IReadOnlyList<string> uplinks, string? forwardingWarning, ILogger log)
    {
        Options = options;
        _ns = ns;
        _links = links;
        _dataPath = dataPath;
        Uplinks = uplinks;
        ForwardingWarning = forwardingWarning;
        _log = log;
    }

    public NetworkHostOptions Options { get; }
    public IReadOnlyList<string> Uplinks { get; }
    public DataPathMaps Maps => _dataPath.Maps;
    public RtNetlink Links => _links;
    public NetworkNamespace Namespace => _ns;

    /// <summary>Docker's warning when IPv4 forwarding could not be enabled; null when it is on.</summary>
    public string? ForwardingWarning { get; }

    /// <summary>
    /// Loads (or adopts, from its pins) the data path, attaches it to the uplinks, and tells it the
    /// host's addresses. Safe to call again after a restart: attachments are replaced, not doubled.
    /// </summary>
    public static NetworkHost Start(NetworkHostOptions options, ILogger? logger = null)
    {
        var log = logger ?? NullLogger.Instance;
        var ns = options.Namespace is null ? NetworkNamespace.Current() : NetworkNamespace.Open(options.Namespace);
        RtNetlink? links = null;
        DataPathProgram? dataPath = null;
        try
        {
            links = RtNetlink.Open(ns);
            // Validate before changing anything: every uplink named must exist.
            var uplinks = options.Uplinks ?? links.ListLinks().Where(l => l.Name != "lo" && !IsOurs(l)).Select(l => l.Name).ToList();
            foreach (var uplink in uplinks) links.GetLink(uplink);
            var forwarding = EnableForwarding(ns);
            dataPath = DataPathProgram.Load(options.DataPath, ns.Cookie, log);
            var host = new NetworkHost(options, ns, links, dataPath, uplinks, forwarding, log);
            host.AttachUplinks();
            if (options.SocketHookCgroup is not null) dataPath.AttachSocketHooks(options.SocketHookCgroup);
            return host;
        }
        catch
        {
            dataPath?.Dispose();
            links?.Dispose();
            ns.Dispose();
            throw;
        }
    }

    // The daemon's own links: its bridges (dp0, dp-...) and the host sides of sandbox veths (vethXXXXXXX on a bridge).
    private static bool IsOurs(LinkInfo link)
        => link.Name.StartsWith("dp", StringComparison.Ordinal)
           || (link.Kind == "veth" && link.Name.StartsWith("veth", StringComparison.Ordinal) && link.MasterIndex != 0);

    private static string? EnableForwarding(NetworkNamespace ns)
    {
        try
        {
            if (Sysctl.Read(ns, "net.ipv4.ip_forward") != "1") Sysctl.Write(ns, "net.ipv4.ip_forward", "1");
            return null;
        }
        catch (Exception e) when (e is InteropException or IOException or UnauthorizedAccessException)
        {
            return "WARNING: IPv4 forwarding is disabled. Networking will not work.";
        }
    }

    private void AttachUplinks()
    {
        foreach (var uplink in Uplinks)
        {
            var link = _links.GetLink(uplink);
            _ns.Run(() => _dataPath.AttachUplink(link.Index));
            if (Options.Xdp) _log.LogInformation("XDP fast path on {Uplink}: {Mode}", uplink, _ns.Run(() => _dataPath.AttachUplinkXdp(link.Index)));
            var v4 = _links.ListAddresses(uplink).Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork).ToList();
            foreach (var a in v4) Maps.AddHostAddress(a.Address, (uint)link.Index);
            if (v4.Count > 0)
            {
                Maps.SetMasqueradeAddress((uint)link.Index, v4[0].Address);
                Maps.SetMasqueradeAddress(0, v4[0].Address); // fallback for egress devices without their own entry
            }
            _log.LogInformation("data path attached to uplink {Uplink} ({Addresses})", uplink, string.Join(", ", v4.Select(a => a.Address)));
        }
    }

    // ---- networks ----

    /// <summary>Creates the bridge with its gateway address (or adopts an existing one) and tells the data path.</summary>
    public void EnsureNetwork(BridgeNetwork network)
    {
        lock (_gate)
        {
            using var tx = new Rollback();
            var bridge = _links.TryGetLink(network.Bridge);
            if (bridge is null)
            {
                _links.CreateBridge(network.Bridge);
                tx.Add($"create bridge {network.Bridge}", () => _links.DeleteLink(network.Bridge));
            }
            else if (bridge.Kind != "bridge")
            {
                throw new InteropException("create bridge", network.Bridge, Errno.EEXIST, $"an interface of kind {bridge.Kind ?? "unknown"} has this name");
            }
            if (!_links.ListAddresses(network.Bridge).Any(a => a.Address.Equals(network.Gateway)))
                _links.AddAddress(network.Bridge, network.Gateway, network.PrefixLength);
            _links.SetUp(network.Bridge);
            int index = _links.IndexOf(network.Bridge);
            Maps.SetNetwork(network.Subnet, network.PrefixLength, network.Id, network.Gateway, network.Flags);
            tx.Add("network map entry", () => Maps.RemoveNetwork(network.Subnet, network.PrefixLength));
            Maps.AddHostAddress(network.Gateway, (uint)index);
            tx.Commit();
        }
    }

    /// <summary>Removes the bridge and the data path's knowledge of the network.</summary>
    public void RemoveNetwork(BridgeNetwork network)
    {
        lock (_gate)
        {
            Maps.RemoveHostAddress(network.Gateway);
            Maps.RemoveNetwork(network.Subnet, network.PrefixLength);
            if (_links.TryGetLink(network.Bridge) is not null) _links.DeleteLink(network.Bridge);
        }
    }

    // ---- sandboxes ----

    public string SandboxNamespaceName(string sandbox) => Options.SandboxPrefix + sandbox;

    /// <summary>A new named network namespace for a sandbox, loopback up.</summary>
    public NetworkNamespace CreateSandbox(string sandbox)
    {
        var name = SandboxNamespaceName(sandbox);
        var ns = NetworkNamespace.Create(name);
        try
        {
            using var inside = RtNetlink.Open(ns);
            inside.SetUp("lo");
            return ns;
        }
        catch
        {
            ns.Dispose();
            NetworkNamespace.Delete(name);
            throw;
        }
    }

    public bool DeleteSandbox(string sandbox) => NetworkNamespace.Delete(SandboxNamespaceName(sandbox));

    public NetworkNamespace OpenSandbox(string sandbox) => NetworkNamespace.Open(SandboxNamespaceName(sandbox));

    /// <summary>
    /// Connects a sandbox to a bridge network: a veth whose peer is created directly in the sandbox as
    /// eth0, the sandbox's address and default route, the data path's program on the host side, and
    /// the endpoint entry that lets published ports reach it.
    /// </summary>
    public SandboxEndpoint Connect(NetworkNamespace sandbox, string sandboxName, BridgeNetwork network, IPAddress address, string hostVeth)
    {
        lock (_gate)
        {
            using var tx = new Rollback();
            var mac = Macs.FromIPv4(address);
            _links.CreateVeth(hostVeth, "eth0", sandbox, peerMac: mac);
            tx.Add($"create veth {hostVeth}", () => _links.DeleteLink(hostVeth));
            _links.SetMaster(hostVeth, network.Bridge);
            _links.SetUp(hostVeth);
            using (var inside = RtNetlink.Open(sandbox))
            {
                inside.AddAddress("eth0", address, network.PrefixLength);
                inside.SetUp("eth0");
                if (!network.Internal) inside.AddRoute(null, 0, network.Gateway);
                if (Options.Xdp)
                {
                    int eth0 = inside.IndexOf("eth0");
                    sandbox.Run(() => _dataPath.AttachContainerXdp(eth0));
                }
            }
            int index = _links.IndexOf(hostVeth);
            _ns.Run(() => _dataPath.AttachEndpoint(index));
            var bridgeMac = _links.GetLink(network.Bridge).Mac!.GetAddressBytes();
            Maps.SetEndpoint(address, (uint)index, network.Id, mac.GetAddressBytes(), bridgeMac);
            tx.Add("endpoint map entry", () => Maps.RemoveEndpoint(address));
            tx.Commit();
            return new SandboxEndpoint(sandboxName, hostVeth, address, mac, network.Id);
        }
    }

    public void Disconnect(SandboxEndpoint endpoint)
    {
        lock (_gate)
        {
            Maps.RemoveEndpoint(endpoint.Address);
            if (_links.TryGetLink(endpoint.HostVeth) is not null) _links.DeleteLink(endpoint.HostVeth);
        }
    }

    // ---- published ports ----

    public void Publish(PortMapping mapping) => Maps.AddPortMapping(mapping);

    /// <summary>All or nothing, in one batch: a range of thousands of ports is one map update.</summary>
    public void Publish(IReadOnlyList<PortMapping> mappings) => Maps.AddPortMappings(mappings);

    /// <summary>New flows stop at once; the mapping's existing flows are removed.</summary>
    public int Unpublish(PortMapping mapping) => Maps.RemovePortMapping(mapping);

    public int Unpublish(IReadOnlyList<PortMapping> mappings) => Maps.RemovePortMappings(mappings);

    /// <summary>Closes handles; pinned maps and attachments stay so traffic flows while the daemon is away.</summary>
    public void Dispose()
    {
        _dataPath.Dispose();
        _links.Dispose();
        _ns.Dispose();
    }

    /// <summary>Detaches everything from the uplinks and removes the pins: the data path is gone.</summary>
    public void Uninstall()
    {
        foreach (var uplink in Uplinks)
            if (_links.TryGetLink(uplink) is { } link) _ns.Run(() =>
            {
                _dataPath.Detach(link.Index);
                _dataPath.DetachUplinkXdp(link.Index);
            });
        _dataPath.DetachSocketHooks();
        DataPathProgram.RemovePins(Options.DataPath.PinDirectory);
    }
}
