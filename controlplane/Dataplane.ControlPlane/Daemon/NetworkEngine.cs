using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>Bridge networks: validated against the state, created in the kernel, then persisted.</summary>
public sealed class NetworkEngine(DaemonState state, DataplaneEngine engine) : INetworkEngine
{
    private readonly Dictionary<string, AddressPool> _pools = [];
    private readonly Lock _gate = new();

    /// <summary>The kernel's view of a persisted network.</summary>
    public static BridgeNetwork ToBridge(NetworkRecord n)
    {
        var subnet = Ipv4Subnet.Parse(n.Subnet);
        Ipv6Subnet? v6 = n.SubnetV6 is null ? null : Ipv6Subnet.Parse(n.SubnetV6);
        return new BridgeNetwork(DataplaneEngine.DataPathNetworkId(n.Id), n.BridgeName, Ipv4Subnet.ToAddress(subnet.Network), subnet.PrefixLength, IPAddress.Parse(n.Gateway), n.Internal, n.Icc)
        {
            V6 = v6 is { } s ? new BridgeNetworkV6(Ipv6Subnet.ToAddress(s.Network), s.PrefixLength, IPAddress.Parse(n.GatewayV6!)) : null,
        };
    }

    /// <summary>Creates (or adopts) every persisted network in the kernel and the address pools; adds the
    /// default bridge, dual-stack when <paramref name="defaultSubnetV6"/> is given (applied at every start, as
    /// dockerd applies fixed-cidr-v6; containers started before a change keep their IPv6 address until they restart).</summary>
    public void Restore(string defaultBridge, Ipv4Subnet defaultSubnet, string? defaultSubnetV6 = null)
    {
        if (state.View.FindNetwork(NetworkRecord.DefaultName) is not { } bridge)
        {
            var created = NetworkPlanner.WithDefaultIpv6(NetworkPlanner.DefaultBridge(defaultBridge, defaultSubnet), defaultSubnetV6);
            state.Put(created with { CreatedBridge = engine.AddNetwork(created.Id, ToBridge(created)) });
        }
        else if (NetworkPlanner.WithDefaultIpv6(bridge, defaultSubnetV6) is var updated && updated != bridge)
            state.Put(updated);
        foreach (var n in state.Current.Networks)
        {
            engine.AddNetwork(n.Id, ToBridge(n));
            var pool = Pool(n);
            foreach (var e in state.Current.Containers.Select(c => c.EndpointOn(n.Name)).Where(e => e?.IpAddress is not null))
                pool.Reserve(IPAddress.Parse(e!.IpAddress!));
            foreach (var e in state.Current.Containers.Select(c => c.EndpointOn(n.Name)).Where(e => e?.GlobalIPv6Address is not null))
                if (Pool6(n) is { } pool6 && pool6.Subnet.IsHostAddress(Ipv6Subnet.FromAddress(IPAddress.Parse(e!.GlobalIPv6Address!))))
                    pool6.Reserve(IPAddress.Parse(e.GlobalIPv6Address!));
        }
    }

    private readonly Dictionary<string, Ipv6AddressPool> _pools6 = [];

    /// <summary>The IPv6 addresses of a dual-stack network; null for an IPv4-only one.</summary>
    public Ipv6AddressPool? Pool6(NetworkRecord n)
    {
        if (n.SubnetV6 is null) return null;
        lock (_gate)
        {
            if (!_pools6.TryGetValue(n.Id, out var pool))
                _pools6[n.Id] = pool = new Ipv6AddressPool(Ipv6Subnet.Parse(n.SubnetV6), IPAddress.Parse(n.GatewayV6!));
            return pool;
        }
    }

    public AddressPool Pool(NetworkRecord n)
    {
        lock (_gate)
        {
            if (!_pools.TryGetValue(n.Id, out var pool))
                _pools[n.Id] = pool = new AddressPool(Ipv4Subnet.Parse(n.Subnet), IPAddress.Parse(n.Gateway));
            return pool;
        }
    }

    public Task<NetworkCreateResponse> CreateNetworkAsync(NetworkCreateRequest request, CancellationToken ct)
    {
        lock (_gate)
        {
            var record = NetworkPlanner.Plan(request, state.View);
            record = record with { CreatedBridge = engine.AddNetwork(record.Id, ToBridge(record), isNew: true) };
            try
            {
                state.Put(record);
            }
            catch
            {
                engine.RemoveNetwork(record.Id, keepBridge: !record.CreatedBridge);
                throw;
            }
            return Task.FromResult(new NetworkCreateResponse(record.Id, []));
        }
    }

    public Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct)
        => Task.FromResult<IReadOnlyList<NetworkInfo>>(state.Current.Networks.Select(Info).ToList());

    public Task<NetworkInfo> InspectNetworkAsync(string name, CancellationToken ct)
        => Task.FromResult(Info(state.View.FindNetwork(name) ?? throw DataplaneException.NotFound($"network {name} not found")));

    public Task RemoveNetworkAsync(string name, CancellationToken ct)
    {
        lock (_gate)
        {
            var record = NetworkPlanner.CheckRemovable(name, state.View);
            engine.RemoveNetwork(record.Id, keepBridge: !record.CreatedBridge);
            state.Update(d => d with { Networks = [.. d.Networks.Where(n => n.Id != record.Id)] });
            _pools.Remove(record.Id);
            _pools6.Remove(record.Id);
            return Task.CompletedTask;
        }
    }

    private NetworkInfo Info(NetworkRecord n) => new(n, state.Current.Containers
        .Where(c => c.EndpointOn(n.Name) is not null)
        .Select(c => new EndpointInfo(c.Name, c.Id, c.EndpointOn(n.Name)!.IpAddress, c.EndpointOn(n.Name)!.MacAddress)).ToList());
}
