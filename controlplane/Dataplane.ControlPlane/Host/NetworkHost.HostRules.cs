using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Netlink;

namespace Dataplane.ControlPlane.Host;

/// <summary>The host's rules: which interfaces are uplinks, and which networks would clash with the host.</summary>
public sealed partial class NetworkHost
{
    /// <summary>
    /// Without --uplink, the uplinks are the interfaces that carry an IPv4 address and are neither a
    /// bridge nor a bridge's port: never a network's bridge (ours, Docker's, a CNI plugin's) or a
    /// container's veth, whatever their names. A host whose external interface is itself a bridge
    /// (br0 holding eth0) names it with --uplink.
    /// </summary>
    private static List<string> DefaultUplinks(RtNetlink links)
    {
        var addressed = links.ListAddresses().Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork).Select(a => a.Index).ToHashSet();
        return links.ListLinks()
            .Where(l => l.Name != "lo" && l.Kind != "bridge" && l.MasterIndex == 0 && addressed.Contains(l.Index))
            .Select(l => l.Name).ToList();
    }

    /// <summary>
    /// Why a network <paramref name="subnet"/>/<paramref name="prefixLength"/> with <paramref name="gateway"/>
    /// would clash with the host, or null: the gateway is already one of the host's addresses, or the
    /// subnet overlaps a route of the host's main table through a link other than <paramref name="ownBridges"/>.
    /// </summary>
    public string? HostClash(IPAddress subnet, int prefixLength, IPAddress gateway, IReadOnlySet<string> ownBridges)
    {
        lock (_gate)
        {
            var names = _links.ListLinks().ToDictionary(l => l.Index, l => l.Name);
            if (_links.ListAddresses().FirstOrDefault(a => a.Address.Equals(gateway)) is { } taken)
                return $"gateway {gateway} is already an address of this host (on {names.GetValueOrDefault(taken.Index, "?")})";
            foreach (var r in _links.ListRoutes())
            {
                if (r.Destination is null || r.PrefixLength == 0 || r.Table != MainRouteTable) continue;
                var link = names.GetValueOrDefault(r.OutputIndex, "?");
                if (ownBridges.Contains(link) || !Overlap(subnet, prefixLength, r.Destination, r.PrefixLength)) continue;
                return $"requested network {subnet}/{prefixLength} overlaps with the host's route to {r.Destination}/{r.PrefixLength} on {link}";
            }
            return null;
        }
    }

    private const int MainRouteTable = 254;

    private static bool Overlap(IPAddress a, int aLen, IPAddress b, int bLen)
    {
        int len = Math.Min(aLen, bLen);
        uint mask = len == 0 ? 0 : uint.MaxValue << (32 - len);
        return (NetOrder.HostOrder(a) & mask) == (NetOrder.HostOrder(b) & mask);
    }
}
