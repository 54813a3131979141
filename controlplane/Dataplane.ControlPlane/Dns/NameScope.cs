using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Dns;

/// <summary>A container's address on one user-defined network, and the names it answers to there.</summary>
public sealed record DnsEndpoint(string Network, string ContainerName, IPAddress IPv4, IPAddress? IPv6, IReadOnlyList<string> Names)
{
    public IPAddress? Address(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? IPv6 : IPv4;
}

/// <summary>
/// What one container can resolve, as Docker's embedded resolver scopes it: the running containers
/// on the user-defined networks it is on, by name, network alias and short id (also as NAME.NETWORK),
/// plus its own --link aliases. Built from the daemon's state at query time, so a container that
/// joins, leaves or stops is seen by the next query.
/// </summary>
public sealed class NameScope
{
    private readonly IReadOnlyList<string> _networks;
    private readonly IReadOnlyList<DnsEndpoint> _visible;
    private readonly IReadOnlyDictionary<string, string> _links;

    private NameScope(IReadOnlyList<string> networks, IReadOnlyList<DnsEndpoint> visible, IReadOnlyDictionary<string, string> links)
    {
        _networks = networks;
        _visible = visible;
        _links = links;
    }

    /// <summary>The scope of container <paramref name="askingId"/>; empty when it is gone or on no user network.</summary>
    public static NameScope For(StateDocument state, string askingId)
    {
        var asking = state.Containers.FirstOrDefault(c => c.Id == askingId);
        var networks = asking is null ? [] : EndpointsOf(asking).Select(e => e.Network).Distinct().ToList();
        var visible = state.Containers.Where(c => c.State == ContainerState.Running || c.Id == askingId)
            .SelectMany(EndpointsOf).Where(e => networks.Contains(e.Network)).ToList();
        var links = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var l in asking?.Links ?? []) links[l.Alias] = l.Name;
        return new NameScope(networks, visible, links);
    }

    /// <summary>The endpoints a query name stands for (empty when it is not a container's).</summary>
    public IReadOnlyList<DnsEndpoint> Lookup(string queryName)
    {
        var name = queryName.TrimEnd('.');
        if (_links.TryGetValue(name, out var linked))
        {
            var target = _visible.Where(e => e.ContainerName.Equals(linked, StringComparison.OrdinalIgnoreCase)).Take(1).ToList();
            if (target.Count > 0) return target;
        }
        // The first of the asking container's networks that knows the name answers, as in Docker.
        foreach (var network in _networks)
        {
            var matches = On(network, name);
            if (matches.Count > 0) return matches;
        }
        foreach (var network in _networks.Where(n => name.EndsWith("." + n, StringComparison.OrdinalIgnoreCase)))
        {
            var matches = On(network, name[..^(network.Length + 1)]);
            if (matches.Count > 0) return matches;
        }
        return [];
    }

    /// <summary>NAME.NETWORK of the container holding <paramref name="address"/> on a network in scope.</summary>
    public string? PointerOf(IPAddress address) =>
        _visible.FirstOrDefault(e => address.Equals(e.IPv4) || address.Equals(e.IPv6)) is { } e ? $"{e.ContainerName}.{e.Network}" : null;

    private List<DnsEndpoint> On(string network, string name) =>
        _visible.Where(e => e.Network == network && e.Names.Contains(name, StringComparer.OrdinalIgnoreCase)).ToList();

    /// <summary>A container's endpoints on user-defined networks (the default bridge has no embedded DNS),
    /// each known by the container's name, its aliases there and its short id (Docker's DNSNames).</summary>
    public static IEnumerable<DnsEndpoint> EndpointsOf(ContainerRecord c) =>
        c.Endpoints.Where(e => e.Network != NetworkRecord.DefaultName && e.IpAddress is not null)
            .Select(e => new DnsEndpoint(e.Network, c.Name, IPAddress.Parse(e.IpAddress!),
                e.GlobalIPv6Address is { Length: > 0 } v6 ? IPAddress.Parse(v6) : null, [c.Name, .. e.Aliases ?? [], c.ShortId]));

    /// <summary>Whether a container's sandbox gets the embedded resolver (it is on a user-defined network).</summary>
    public static bool Serves(ContainerRecord c) => EndpointsOf(c).Any();
}
