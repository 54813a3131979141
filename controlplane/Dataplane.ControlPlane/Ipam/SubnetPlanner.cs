namespace Dataplane.ControlPlane.Ipam;

/// <summary>
/// Chooses and checks network subnets like Docker's default address pools: 172.17-31.0.0/16, then
/// 192.168.0.0/16 cut into /20s. The default bridge takes 172.17.0.0/16, so the first user network
/// without --subnet gets 172.18.0.0/16.
/// </summary>
public static class SubnetPlanner
{
    public static readonly Ipv4Subnet DefaultBridgeSubnet = Ipv4Subnet.Parse("172.17.0.0/16");

    public static IEnumerable<Ipv4Subnet> DefaultPools()
    {
        uint b172 = Ipv4Subnet.FromAddress(System.Net.IPAddress.Parse("172.17.0.0"));
        for (uint i = 0; i < 15; i++)
            yield return Ipv4Subnet.Create(b172 + (i << 16), 16);
        uint b192 = Ipv4Subnet.FromAddress(System.Net.IPAddress.Parse("192.168.0.0"));
        for (uint i = 0; i < 16; i++)
            yield return Ipv4Subnet.Create(b192 + (i << 12), 20);
    }

    /// <summary>IPv6 networks created with --ipv6 and no IPv6 subnet get a /64 of this ULA /48, as dockerd
    /// hands out /64s of its own ULA prefix.</summary>
    public static readonly Ipv6Subnet DefaultIpv6Pool = Ipv6Subnet.Parse("fd00:d9::/48");

    public static Ipv6Subnet PickFree(IEnumerable<Ipv6Subnet> existing)
    {
        var taken = existing.ToList();
        for (int i = 0; i < 0x10000; i++)
        {
            var candidate = Ipv6Subnet.Parse($"{Ipv6Subnet.ToAddress(DefaultIpv6Pool.Network + ((UInt128)(uint)i << 64))}/64");
            if (!taken.Any(candidate.Overlaps))
                return candidate;
        }
        throw DataplaneException.Conflict("could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network");
    }

    public static void EnsureNoOverlap(Ipv6Subnet candidate, IEnumerable<Ipv6Subnet> existing)
    {
        if (existing.Any(candidate.Overlaps))
            throw DataplaneException.Conflict("Pool overlaps with other one on this address space");
    }

    public static void EnsureNoOverlap(Ipv4Subnet candidate, IEnumerable<Ipv4Subnet> existing)
    {
        if (existing.Any(candidate.Overlaps))
            throw DataplaneException.Conflict("Pool overlaps with other one on this address space");
    }

    public static Ipv4Subnet PickFree(IEnumerable<Ipv4Subnet> existing)
    {
        var taken = existing.ToList();
        foreach (var pool in DefaultPools())
            if (!taken.Any(pool.Overlaps))
                return pool;
        throw DataplaneException.Conflict(
            "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }
}
