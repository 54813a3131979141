using System.Net;
using System.Net.Sockets;

namespace Dataplane.Interop.Netlink;

public sealed partial class RtNetlink
{
    /// <summary>Adds a route in the main table: <paramref name="destination"/> null = default route.</summary>
    public void AddRoute(IPAddress? destination, int prefixLength, IPAddress? gateway = null, string? outputLink = null)
    {
        var family = (destination ?? gateway)?.AddressFamily ?? AddressFamily.InterNetwork;
        if (gateway is null && outputLink is null) throw new ArgumentException("a route needs a gateway or an output interface");
        int oif = outputLink is null ? 0 : IndexOf(outputLink, "add route");
        var what = $"{destination?.ToString() ?? "default"}/{prefixLength} via {gateway?.ToString() ?? outputLink}";
        Send(Nl.RTM_NEWROUTE, Create, "add route", what, (ref NetlinkWriter w) =>
        {
            w.Struct(RouteHeader(family, prefixLength, gateway is null ? Nl.RT_SCOPE_LINK : Nl.RT_SCOPE_UNIVERSE));
            if (destination is not null) w.Address(Nl.RTA_DST, destination);
            if (gateway is not null) w.Address(Nl.RTA_GATEWAY, gateway);
            if (oif != 0) w.U32(Nl.RTA_OIF, (uint)oif);
        });
    }

    public void DeleteRoute(IPAddress? destination, int prefixLength)
    {
        var family = destination?.AddressFamily ?? AddressFamily.InterNetwork;
        Send(Nl.RTM_DELROUTE, Nl.NLM_F_ACK, "delete route", $"{destination?.ToString() ?? "default"}/{prefixLength}", (ref NetlinkWriter w) =>
        {
            w.Struct(RouteHeader(family, prefixLength, Nl.RT_SCOPE_UNIVERSE));
            if (destination is not null) w.Address(Nl.RTA_DST, destination);
        });
    }

    /// <summary>The main table's routes of one family.</summary>
    public List<RouteInfo> ListRoutes(AddressFamily family = AddressFamily.InterNetwork)
    {
        var replies = Send(Nl.RTM_GETROUTE, Nl.NLM_F_DUMP, "list routes", Where, (ref NetlinkWriter w) =>
            w.Struct(new RtMsg { Family = family == AddressFamily.InterNetwork ? Nl.AF_INET : Nl.AF_INET6 }));
        return replies.Select(m =>
        {
            var h = System.Runtime.InteropServices.MemoryMarshal.Read<RtMsg>(m.Payload);
            var attrs = NetlinkReader.Attributes(m.Payload.AsSpan(12));
            int table = (int)(attrs.Find(Nl.RTA_TABLE)?.U32 ?? h.Table);
            return new RouteInfo(attrs.Find(Nl.RTA_DST)?.Address, h.DstLen, attrs.Find(Nl.RTA_GATEWAY)?.Address, (int)(attrs.Find(Nl.RTA_OIF)?.U32 ?? 0), table);
        }).Where(r => r.Table == Nl.RT_TABLE_MAIN).ToList();
    }

    private static RtMsg RouteHeader(AddressFamily family, int prefixLength, byte scope) => new()
    {
        Family = family == AddressFamily.InterNetwork ? Nl.AF_INET : Nl.AF_INET6,
        DstLen = (byte)prefixLength,
        Table = Nl.RT_TABLE_MAIN,
        Protocol = Nl.RTPROT_STATIC,
        Scope = scope,
        Type = Nl.RTN_UNICAST,
    };
}
