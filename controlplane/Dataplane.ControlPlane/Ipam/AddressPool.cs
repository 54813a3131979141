using System.Net;

namespace Dataplane.ControlPlane.Ipam;

/// <summary>
/// The addresses of one network: never hands out an address twice, the network, broadcast or gateway
/// address; thread-safe. Dynamic allocation takes the lowest free address.
/// </summary>
public sealed class AddressPool
{
    private readonly Lock _lock = new();
    private readonly HashSet<uint> _used = [];

    public AddressPool(Ipv4Subnet subnet, IPAddress? gateway = null)
    {
        Subnet = subnet;
        uint gw = gateway is null ? subnet.DefaultGateway : Ipv4Subnet.FromAddress(gateway);
        if (!subnet.IsHostAddress(gw))
            throw DataplaneException.Invalid($"no matching subnet for gateway {Ipv4Subnet.ToAddress(gw)}");
        Gateway = Ipv4Subnet.ToAddress(gw);
        _used.Add(gw);
    }

    public Ipv4Subnet Subnet { get; }

    public IPAddress Gateway { get; }

    public int InUse
    {
        get { lock (_lock) return _used.Count - 1; }
    }

    public IPAddress Allocate()
    {
        lock (_lock)
        {
            for (uint a = Subnet.Network + 1; a < Subnet.Broadcast; a++)
                if (_used.Add(a))
                    return Ipv4Subnet.ToAddress(a);
        }
        throw DataplaneException.Conflict($"no available IPv4 addresses on this network's address pools: {Subnet}");
    }

    /// <summary>An explicit --ip: must be a host address of the subnet and free.</summary>
    public IPAddress Reserve(IPAddress address)
    {
        uint a = Ipv4Subnet.FromAddress(address);
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
        uint a = Ipv4Subnet.FromAddress(address);
        lock (_lock)
        {
            if (a != Ipv4Subnet.FromAddress(Gateway))
                _used.Remove(a);
        }
    }
}
