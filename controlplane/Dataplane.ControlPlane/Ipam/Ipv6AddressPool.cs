using System.Net;

namespace Dataplane.ControlPlane.Ipam;

/// <summary>
/// The IPv6 addresses of one network (<see cref="AddressPool"/>'s twin, as Docker's IPAM hands them out):
/// the lowest free address after the gateway, never the subnet-router anycast address or the gateway,
/// never twice; thread-safe.
/// </summary>
public sealed class Ipv6AddressPool
{
    private readonly Lock _lock = new();
    private readonly HashSet<UInt128> _used = [];
    private readonly UInt128 _gateway;

    public Ipv6AddressPool(Ipv6Subnet subnet, IPAddress? gateway = null)
    {
        Subnet = subnet;
        _gateway = gateway is null ? subnet.DefaultGateway : Ipv6Subnet.FromAddress(gateway);
        if (!subnet.IsHostAddress(_gateway))
            throw DataplaneException.Invalid($"no matching subnet for gateway {Ipv6Subnet.ToAddress(_gateway)}");
        Gateway = Ipv6Subnet.ToAddress(_gateway);
        _used.Add(_gateway);
    }

    public Ipv6Subnet Subnet { get; }

    public IPAddress Gateway { get; }

    public IPAddress Allocate()
    {
        lock (_lock)
        {
            // _used holds every address handed out: at most _used.Count + 1 candidates to look at.
            for (UInt128 a = Subnet.Network + 1; a <= Subnet.Last && a > Subnet.Network; a++)
                if (_used.Add(a))
                    return Ipv6Subnet.ToAddress(a);
        }
        throw DataplaneException.Conflict($"no available IPv6 addresses on this network's address pools: {Subnet}");
    }

    /// <summary>An explicit --ip6: must be a host address of the subnet and free.</summary>
    public IPAddress Reserve(IPAddress address)
    {
        var a = Ipv6Subnet.FromAddress(address);
        if (!Subnet.IsHostAddress(a))
            throw DataplaneException.Invalid($"no configured subnet or ip-range contain the IP address {address}");
        lock (_lock)
        {
            if (!_used.Add(a))
                throw DataplaneException.Conflict($"Address already in use: {address}");
        }
        return address;
    }

    public void Release(IPAddress address)
    {
        var a = Ipv6Subnet.FromAddress(address);
        lock (_lock)
        {
            if (a != _gateway)
                _used.Remove(a);
        }
    }
}
