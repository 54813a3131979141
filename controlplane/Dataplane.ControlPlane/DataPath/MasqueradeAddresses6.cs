using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>Which of an uplink's IPv6 addresses NAT66 leaves with (<see cref="DataPathMaps6.SetMasqueradeAddress"/>).</summary>
public static class MasqueradeAddresses6
{
    /// <summary>The uplink address NAT66 should use: a global one (RFC 4193 unique-local ones only when the
    /// uplink has nothing else), never link-local; null when the uplink has no usable IPv6 address.</summary>
    public static IPAddress? Choose(IEnumerable<IPAddress> uplinkAddresses)
    {
        var usable = uplinkAddresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal && !a.IsIPv6Multicast && !IPAddress.IsLoopback(a)).ToList();
        return usable.FirstOrDefault(a => !a.IsIPv6UniqueLocal) ?? usable.FirstOrDefault();
    }
}
