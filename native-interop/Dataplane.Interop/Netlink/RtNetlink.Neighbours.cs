using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;

namespace Dataplane.Interop.Netlink;

public sealed partial class RtNetlink
{
    /// <summary>A permanent neighbour (ARP/ND) entry, replacing one for the same address.</summary>
    public void AddNeighbour(string link, IPAddress address, PhysicalAddress mac)
    {
        int index = IndexOf(link, "add neighbour");
        Send(Nl.RTM_NEWNEIGH, Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE, "add neighbour", $"{address} on {link}", (ref NetlinkWriter w) =>
        {
            w.Struct(new NdMsg { Family = Family(address), Index = index, State = Nl.NUD_PERMANENT });
            w.Address(Nl.NDA_DST, address);
            w.Attribute(Nl.NDA_LLADDR, mac.GetAddressBytes());
        });
    }

    /// <summary>The ARP and ND entries of this namespace, or of one link.</summary>
    public List<NeighbourInfo> ListNeighbours(string? link = null)
    {
        int index = link is null ? 0 : IndexOf(link, "list neighbours");
        var replies = Send(Nl.RTM_GETNEIGH, Nl.NLM_F_DUMP, "list neighbours", link ?? Where, (ref NetlinkWriter w) => w.Struct(new NdMsg()));
        return replies.Select(m =>
        {
            var h = MemoryMarshal.Read<NdMsg>(m.Payload);
            var attrs = NetlinkReader.Attributes(m.Payload.AsSpan(Marshal.SizeOf<NdMsg>()));
            var mac = attrs.Find(Nl.NDA_LLADDR)?.Value;
            return (h, dst: attrs.Find(Nl.NDA_DST), mac);
        })
        .Where(n => n.dst is not null && (index == 0 || n.h.Index == index))
        .Select(n => new NeighbourInfo(n.h.Index, n.dst!.Address, n.mac is null ? null : new PhysicalAddress(n.mac), n.h.State))
        .ToList();
    }
}
