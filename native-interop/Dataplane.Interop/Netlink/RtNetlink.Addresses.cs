using System.Net;
using System.Net.Sockets;

namespace Dataplane.Interop.Netlink;

public sealed partial class RtNetlink
{
    /// <summary>An IPv6 address is added without duplicate address detection (IFA_F_NODAD, as Docker
    /// adds its bridges' and containers' addresses): usable at once, never left tentative.</summary>
    public void AddAddress(string link, IPAddress address, int prefixLength)
    {
        int index = IndexOf(link, "add address");
        ValidatePrefix(address, prefixLength);
        Send(Nl.RTM_NEWADDR, Create, "add address", $"{address}/{prefixLength} on {link}", (ref NetlinkWriter w) =>
        {
            w.Struct(new IfAddrMsg { Family = Family(address), PrefixLen = (byte)prefixLength, Index = index });
            w.Address(Nl.IFA_LOCAL, address);
            w.Address(Nl.IFA_ADDRESS, address);
            if (address.AddressFamily == AddressFamily.InterNetwork && prefixLength < 31)
                w.Address(Nl.IFA_BROADCAST, Broadcast(address, prefixLength));
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
                w.U32(Nl.IFA_FLAGS, Nl.IFA_F_NODAD);
        });
    }

    public void DeleteAddress(string link, IPAddress address, int prefixLength)
    {
        int index = IndexOf(link, "delete address");
        Send(Nl.RTM_DELADDR, Nl.NLM_F_ACK, "delete address", $"{address}/{prefixLength} on {link}", (ref NetlinkWriter w) =>
        {
            w.Struct(new IfAddrMsg { Family = Family(address), PrefixLen = (byte)prefixLength, Index = index });
            w.Address(Nl.IFA_LOCAL, address);
        });
    }

    /// <summary>Every address of this namespace, or of one link.</summary>
    public List<AddressInfo> ListAddresses(string? link = null)
    {
        int index = link is null ? 0 : IndexOf(link, "list addresses");
        var replies = Send(Nl.RTM_GETADDR, Nl.NLM_F_DUMP, "list addresses", link ?? Where, (ref NetlinkWriter w) => w.Struct(new IfAddrMsg()));
        return replies.Select(m =>
        {
            var h = System.Runtime.InteropServices.MemoryMarshal.Read<IfAddrMsg>(m.Payload);
            var attrs = NetlinkReader.Attributes(m.Payload.AsSpan(8));
            var address = (attrs.Find(Nl.IFA_LOCAL) ?? attrs.Find(Nl.IFA_ADDRESS))!.Address;
            return new AddressInfo(h.Index, address, h.PrefixLen);
        }).Where(a => index == 0 || a.Index == index).ToList();
    }

    private static byte Family(IPAddress a) => a.AddressFamily == AddressFamily.InterNetwork ? Nl.AF_INET : Nl.AF_INET6;

    private static void ValidatePrefix(IPAddress address, int prefixLength)
    {
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) throw new ArgumentOutOfRangeException(nameof(prefixLength), $"prefix length {prefixLength} outside 0..{max}");
    }

    private static IPAddress Broadcast(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        uint value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        value |= prefixLength == 0 ? uint.MaxValue : (1u << (32 - prefixLength)) - 1;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }
}
