using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Host;

/// <summary>The IPv6 side of networks and sandboxes: the bridge's IPv6 gateway, the data path's IPv6
/// maps (NAT66 source addresses included), IPv6 forwarding (turned on with the first dual-stack network, as dockerd does).</summary>
public sealed partial class NetworkHost
{
    /// <summary>The uplinks' global IPv6 addresses: destinations a published [::] port answers on, and the
    /// NAT66 source of flows leaving by the uplink (also the fallback for other devices, as IPv4's).</summary>
    private void AddUplinkAddressesV6(string uplink, int index)
    {
        var v6 = _links.ListAddresses(uplink).Select(a => a.Address).Where(a => a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal).ToList();
        foreach (var a in v6) _dataPath.Maps6.AddHostAddress(a, (uint)index);
        if (MasqueradeAddresses6.Choose(v6) is not { } masquerade) return;
        _dataPath.Maps6.SetMasqueradeAddress((uint)index, masquerade);
        _dataPath.Maps6.SetMasqueradeAddress(0, masquerade);
    }

    private void EnsureNetworkV6(BridgeNetwork network, int bridgeIndex, Rollback tx)
    {
        if (network.V6 is not { } v6) return;
        EnableForwardingV6();
        if (!_links.ListAddresses(network.Bridge).Any(a => a.Address.Equals(v6.Gateway)))
        {
            _links.AddAddress(network.Bridge, v6.Gateway, v6.PrefixLength);
            tx.Add($"IPv6 gateway {v6.Gateway}", () => _links.DeleteAddress(network.Bridge, v6.Gateway, v6.PrefixLength));
        }
        SetNetworkV6(network, v6, bridgeIndex);
        tx.Add("IPv6 network map entry", () => ForgetNetworkV6(network));
    }

    private void SetNetworkV6(BridgeNetwork network, BridgeNetworkV6 v6, int bridgeIndex)
    {
        _dataPath.Maps6.SetNetwork(v6.Subnet, v6.PrefixLength, network.Id, v6.Gateway, network.Flags);
        _dataPath.Maps6.AddHostAddress(v6.Gateway, (uint)bridgeIndex);
    }

    private void ForgetNetworkV6(BridgeNetwork network)
    {
        if (network.V6 is not { } v6) return;
        _dataPath.Maps6.RemoveHostAddress(v6.Gateway);
        _dataPath.Maps6.RemoveNetwork(v6.Subnet, v6.PrefixLength);
    }

    /// <summary>Containers' IPv6 traffic is routed by the kernel (and bpf_fib_lookup refuses IPv6 on a device
    /// without forwarding): on for every device of the daemon's namespace, as dockerd turns it on.</summary>
    private void EnableForwardingV6()
    {
        try
        {
            if (Sysctl.Read(_ns, "net.ipv6.conf.all.forwarding") != "1") Sysctl.Write(_ns, "net.ipv6.conf.all.forwarding", "1");
        }
        catch (Exception e) when (e is InteropException or IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("IPv6 forwarding could not be enabled ({Error}): containers' IPv6 traffic will not leave the host", e.Message);
        }
    }
}
