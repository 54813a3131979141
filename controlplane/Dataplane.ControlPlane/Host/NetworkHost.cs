using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ipam;
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
public sealed partial class NetworkHost : IDisposable
{
    private readonly NetworkNamespace _ns;
    private readonly RtNetlink _links;
    private readonly DataPathProgram _dataPath;
    private readonly ILogger _log;
    private readonly Lock _gate = new();

    private NetworkHost(DaemonOptions options, NetworkNamespace ns, RtNetlink links, DataPathProgram dataPath, IReadOnlyList<string> uplinks, ILogger log)
    {
        Options = options;
        _ns = ns;
        _links = links;
        _dataPath = dataPath;
        Uplinks = uplinks;
        _log = log;
    }

    public DaemonOptions Options { get; }
    public IReadOnlyList<string> Uplinks { get; }

    /// <summary>The published-port map: written by the engine's PortPublisher alone.</summary>
    public IPortMap PortMap => _portMap ??= new DualStackPortMap(_dataPath.Maps, _dataPath.Maps6);

    private DualStackPortMap? _portMap;

    /// <summary>Per-mapping and per-drop-reason counters (the demo, metrics, tests read them).</summary>
    public IDataPathCounters Counters => _dataPath.Maps;

    /// <summary>The host-port check in the managed namespace; with <paramref name="hold"/> it also keeps published
    /// ports from ephemeral use (the bind guard reserves them against binds).</summary>
    public SocketPortProbe CreatePortProbe(bool hold) => new(_ns, hold);

    /// <summary>The loaded data path, for what only reads it (observability: metrics, listings, events, info).</summary>
    public DataPathProgram DataPath => _dataPath;

    /// <summary>Sweeps both families' tables, each against its own capacity (a full IPv4 table is under
    /// pressure however empty the IPv6 one is); the walk counts both, so IPv6-only churn paces the GC too.</summary>
    public ConntrackSweep SweepConntrack(ulong nowNs)
    {
        int capacity4 = _dataPath.Object.Map(DataPathAbi.MapCt).MaxEntries, capacity6 = _dataPath.Object.Map(DataPathAbi.MapCt6).MaxEntries;
        var v4 = _dataPath.Maps.Sweep(nowNs, capacity4);
        var v6 = _dataPath.Maps6.Sweep(nowNs, capacity6);
        return new(v4.Removed + v6.Removed, v4.Walked + v6.Walked,
            Math.Max((double)(v4.Walked - v4.Removed) / capacity4, (double)(v6.Walked - v6.Removed) / capacity6));
    }

    /// <summary>Docker's warning when IPv4 forwarding is off now (it can be switched off after the
    /// daemon turned it on: every run asks again, as Docker's does); null when it is on.</summary>
    public string? ForwardingWarning => ForwardingOn(_ns) ? null : ForwardingOffWarning;

    private const string ForwardingOffWarning = "WARNING: IPv4 forwarding is disabled. Networking will not work.";

    /// <summary>
    /// Loads (or adopts, from its pins) the data path, attaches it to the uplinks, and tells it the
    /// host's addresses. Safe to call again after a restart: attachments are replaced, not doubled.
    /// </summary>
    public static NetworkHost Start(DaemonOptions options, ILogger? logger = null)
    {
        var log = logger ?? NullLogger.Instance;
        var ns = options.Namespace is null ? NetworkNamespace.Current() : NetworkNamespace.Open(options.Namespace);
        RtNetlink? links = null;
        DataPathProgram? dataPath = null;
        try
        {
            links = RtNetlink.Open(ns);
            // Validate before changing anything: every uplink named must exist.
            var uplinks = options.Uplinks ?? DefaultUplinks(links);
            foreach (var uplink in uplinks) links.GetLink(uplink);
            EnableForwarding(ns);
            dataPath = DataPathProgram.Load(options.DataPath, ns.Cookie, log);
            var host = new NetworkHost(options, ns, links, dataPath, uplinks, log);
            host.AttachUplinks();
            if (options.SocketHookCgroupPath() is { } cgroup) dataPath.AttachSocketHooks(cgroup);
            BindGuard.Apply(dataPath, options.HoldHostPorts ? options.SocketHookCgroupPath() : null);
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

    /// <summary>As dockerd at start: forwarding on; when that is refused, ForwardingWarning says so.</summary>
    private static void EnableForwarding(NetworkNamespace ns)
    {
        try
        {
            if (!ForwardingOn(ns)) Sysctl.Write(ns, "net.ipv4.ip_forward", "1");
        }
        catch (Exception e) when (e is InteropException or IOException or UnauthorizedAccessException) { }
    }

    private static bool ForwardingOn(NetworkNamespace ns)
    {
        try
        {
            return Sysctl.Read(ns, "net.ipv4.ip_forward") == "1";
        }
        catch (Exception e) when (e is InteropException or IOException or UnauthorizedAccessException)
        {
            return false;
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
            foreach (var a in v4) _dataPath.Maps.AddHostAddress(a.Address, (uint)link.Index);
            if (v4.Count > 0)
            {
                _dataPath.Maps.SetMasqueradeAddress((uint)link.Index, v4[0].Address);
                _dataPath.Maps.SetMasqueradeAddress(0, v4[0].Address); // fallback for egress devices without their own entry
            }
            AddUplinkAddressesV6(uplink, link.Index);
            _log.LogInformation("data path attached to uplink {Uplink} ({Addresses})", uplink, string.Join(", ", v4.Select(a => a.Address)));
        }
    }

    // ---- networks ----

    /// <summary>Creates the bridge with its gateway address (or adopts an existing one) and tells the data
    /// path. Returns true when the bridge was created here (only such bridges are ever deleted).</summary>
    public bool EnsureNetwork(BridgeNetwork network)
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
            _dataPath.Maps.SetNetwork(network.Subnet, network.PrefixLength, network.Id, network.Gateway, network.Flags);
            tx.Add("network map entry", () => _dataPath.Maps.RemoveNetwork(network.Subnet, network.PrefixLength));
            _dataPath.Maps.AddHostAddress(network.Gateway, (uint)index);
            EnsureNetworkV6(network, index, tx);
            tx.Commit();
            return bridge is null;
        }
    }

    /// <summary>Removes the data path's knowledge of the network, and the bridge unless told to keep it
    /// (a bridge someone else created: Docker's, a CNI plugin's, an operator's).</summary>
    public void RemoveNetwork(BridgeNetwork network, bool keepBridge = false)
    {
        lock (_gate)
        {
            _dataPath.Maps.RemoveHostAddress(network.Gateway);
            _dataPath.Maps.RemoveNetwork(network.Subnet, network.PrefixLength);
            ForgetNetworkV6(network);
            if (!keepBridge && _links.TryGetLink(network.Bridge) is not null) _links.DeleteLink(network.Bridge);
        }
    }

    /// <summary>Tells the data path about a bridge network someone else created (and keeps running): nothing is created.</summary>
    public void AdoptNetwork(BridgeNetwork network)
    {
        lock (_gate)
        {
            var bridge = _links.TryGetLink(network.Bridge)
                ?? throw new InteropException("adopt bridge", network.Bridge, Errno.ENODEV, "no such bridge in the daemon's namespace");
            _dataPath.Maps.SetNetwork(network.Subnet, network.PrefixLength, network.Id, network.Gateway, network.Flags);
            _dataPath.Maps.AddHostAddress(network.Gateway, (uint)bridge.Index);
            if (network.V6 is { } v6)
            {
                EnableForwardingV6(); // as for our own dual-stack networks: bpf_fib_lookup needs it
                SetNetworkV6(network, v6, bridge.Index);
            }
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

    public bool LinkExists(string name)
    {
        lock (_gate)
            return _links.TryGetLink(name) is not null;
    }

    public bool DeleteSandbox(string sandbox) => NetworkNamespace.Delete(SandboxNamespaceName(sandbox));

    public NetworkNamespace OpenSandbox(string sandbox) => NetworkNamespace.Open(SandboxNamespaceName(sandbox));

    /// <summary>
    /// Connects a sandbox to a bridge network: a veth whose peer is created directly in the sandbox as
    /// <paramref name="ifName"/> (eth0, eth1, ... as Docker names them), the sandbox's address and, for the
    /// interface that carries it, the default route; then the endpoint attached as an adopted one is.
    /// Returns the host side's ifindex and the container side's MAC. address6: its IPv6 address on a dual-stack network.
    /// </summary>
    public (int Ifindex, PhysicalAddress Mac) Connect(NetworkNamespace sandbox, BridgeNetwork network, IPAddress address, string hostVeth,
        IPAddress? address6 = null, string ifName = "eth0", bool defaultRoute = true)
    {
        lock (_gate)
        {
            using var tx = new Rollback();
            var mac = Macs.FromIPv4(address);
            _links.CreateVeth(hostVeth, ifName, sandbox, peerMac: mac);
            tx.Add($"create veth {hostVeth}", () => _links.DeleteLink(hostVeth));
            _links.SetMaster(hostVeth, network.Bridge);
            _links.SetUp(hostVeth);
            using (var inside = RtNetlink.Open(sandbox))
            {
                inside.AddAddress(ifName, address, network.PrefixLength);
                inside.SetUp(ifName);
                if (address6 is not null && network.V6 is { } v6) inside.AddAddress(ifName, address6, v6.PrefixLength); // no DAD: usable at once
                if (defaultRoute) AddDefaultRoutes(inside, network, ipv6: address6 is not null);
                if (Options.Xdp)
                {
                    int inner = inside.IndexOf(ifName);
                    sandbox.Run(() => _dataPath.AttachContainerXdp(inner));
                }
            }
            int index = AttachEndpoint(network, hostVeth, address, mac, address6);
            tx.Commit();
            return (index, mac);
        }
    }

    /// <summary>The sandbox's default route via the network's gateway (and its IPv6 one when the sandbox has an
    /// IPv6 address there); an internal network gives none.</summary>
    public void RouteDefault(NetworkNamespace sandbox, BridgeNetwork network, bool ipv6)
    {
        using var inside = RtNetlink.Open(sandbox);
        AddDefaultRoutes(inside, network, ipv6);
    }

    private static void AddDefaultRoutes(RtNetlink inside, BridgeNetwork network, bool ipv6)
    {
        if (network.Internal) return;
        inside.AddRoute(null, 0, network.Gateway);
        if (ipv6 && network.V6 is { } v6) inside.AddRoute(null, 0, v6.Gateway);
    }

    /// <summary>
    /// The data path on an existing host-side veth (ours, or one a runtime created): the program on its
    /// tc ingress (replacing an earlier daemon's, so it binds today's maps) and the endpoint entry that
    /// lets published ports reach the address behind it. Returns the veth's ifindex.
    /// </summary>
    public int AttachEndpoint(BridgeNetwork network, string hostVeth, IPAddress address, PhysicalAddress mac, IPAddress? address6 = null)
    {
        lock (_gate)
        {
            var veth = _links.GetLink(hostVeth);
            var bridgeMac = _links.GetLink(network.Bridge).Mac!.GetAddressBytes();
            // The entry first: the program drops a source it finds no endpoint for as spoofed.
            _dataPath.Maps.SetEndpoint(address, (uint)veth.Index, network.Id, mac.GetAddressBytes(), bridgeMac);
            if (address6 is not null) _dataPath.Maps6.SetEndpoint(address6, (uint)veth.Index, network.Id, mac.GetAddressBytes(), bridgeMac);
            try
            {
                _ns.Run(() => _dataPath.AttachEndpoint(veth.Index));
            }
            catch
            {
                _dataPath.Maps.RemoveEndpoint(address);
                if (address6 is not null) _dataPath.Maps6.RemoveEndpoint(address6);
                throw;
            }
            return veth.Index;
        }
    }

    /// <summary>Removes the endpoint entry; detaches from the veth, and deletes it when we created it.</summary>
    public void DetachEndpoint(string hostVeth, IPAddress address, bool deleteVeth, IPAddress? address6 = null)
    {
        lock (_gate)
        {
            _dataPath.Maps.RemoveEndpoint(address);
            if (address6 is not null) _dataPath.Maps6.RemoveEndpoint(address6);
            if (_links.TryGetLink(hostVeth) is not { } veth) return;
            if (deleteVeth) _links.DeleteLink(hostVeth);
            else _ns.Run(() => _dataPath.Detach(veth.Index));
        }
    }

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
