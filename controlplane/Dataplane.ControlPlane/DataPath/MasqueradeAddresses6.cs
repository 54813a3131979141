using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// dp_ifaddr6: the NAT66 source address per egress device (ifindex 0 = for every other device), the
/// twin of <see cref="DataPathMaps.SetMasqueradeAddress"/>. Opened from the loaded object rather than
/// handed to <see cref="DataPathMaps6"/>, whose maps DataPathProgram passes in.
/// </summary>
public sealed unsafe class MasqueradeAddresses6(IBpfMap<IfAddrKey, IfAddr6Value> addresses)
{
    public static MasqueradeAddresses6 Of(DataPathProgram dataPath)
        => new(new KernelMap<IfAddrKey, IfAddr6Value>(dataPath.Object.Map(DataPathAbi.MapIfAddr6)));

    public void Set(uint ifindex, IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException($"{address} is not an IPv6 address", nameof(address));
        var v = new IfAddr6Value();
        NetOrder.Addr6Be(address, v.AddrBe);
        addresses.Update(new IfAddrKey { Ifindex = ifindex }, v);
    }

    /// <summary>The uplink address NAT66 should use: a global one (RFC 4193 unique-local ones only when the
    /// uplink has nothing else), never link-local; null when the uplink has no usable IPv6 address.</summary>
    public static IPAddress? Choose(IEnumerable<IPAddress> uplinkAddresses)
    {
        var usable = uplinkAddresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal && !a.IsIPv6Multicast && !IPAddress.IsLoopback(a)).ToList();
        return usable.FirstOrDefault(a => !a.IsIPv6UniqueLocal) ?? usable.FirstOrDefault();
    }
}
