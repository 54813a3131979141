using System.Net.NetworkInformation;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Interop.Netlink;

public sealed partial class RtNetlink
{
    public void CreateBridge(string name, PhysicalAddress? mac = null)
        => Send(Nl.RTM_NEWLINK, Create, "create bridge", name, (ref NetlinkWriter w) => BridgeMessage(ref w, name, mac));

    internal static void BridgeMessage(ref NetlinkWriter w, string name, PhysicalAddress? mac)
    {
        w.Struct(new IfInfoMsg());
        w.String(Nl.IFLA_IFNAME, ValidName(name));
        if (mac is not null) w.Attribute(Nl.IFLA_ADDRESS, mac.GetAddressBytes());
        int info = w.BeginNested(Nl.IFLA_LINKINFO);
        w.String(Nl.IFLA_INFO_KIND, "bridge");
        w.EndNested(info);
    }

    /// <summary>
    /// Creates a veth pair: <paramref name="name"/> here, <paramref name="peerName"/> created directly in
    /// <paramref name="peerNamespace"/> (here when null), so the peer never appears in this namespace.
    /// </summary>
    public void CreateVeth(string name, string peerName, NetworkNamespace? peerNamespace = null, PhysicalAddress? mac = null, PhysicalAddress? peerMac = null, int mtu = 0)
        => Send(Nl.RTM_NEWLINK, Create, "create veth", $"{name} (peer {peerName})",
            (ref NetlinkWriter w) => VethMessage(ref w, name, peerName, peerNamespace?.Fd, mac, peerMac, mtu));

    internal static void VethMessage(ref NetlinkWriter w, string name, string peerName, int? peerNamespaceFd, PhysicalAddress? mac, PhysicalAddress? peerMac, int mtu)
    {
        w.Struct(new IfInfoMsg());
        w.String(Nl.IFLA_IFNAME, ValidName(name));
        if (mac is not null) w.Attribute(Nl.IFLA_ADDRESS, mac.GetAddressBytes());
        if (mtu > 0) w.U32(Nl.IFLA_MTU, (uint)mtu);
        int info = w.BeginNested(Nl.IFLA_LINKINFO);
        w.String(Nl.IFLA_INFO_KIND, "veth");
        int data = w.BeginNested(Nl.IFLA_INFO_DATA);
        int peer = w.BeginNested(Nl.VETH_INFO_PEER);
        w.Struct(new IfInfoMsg());
        w.String(Nl.IFLA_IFNAME, ValidName(peerName));
        if (peerMac is not null) w.Attribute(Nl.IFLA_ADDRESS, peerMac.GetAddressBytes());
        if (mtu > 0) w.U32(Nl.IFLA_MTU, (uint)mtu);
        if (peerNamespaceFd is int fd) w.U32(Nl.IFLA_NET_NS_FD, (uint)fd);
        w.EndNested(peer);
        w.EndNested(data);
        w.EndNested(info);
    }

    public void DeleteLink(string name)
    {
        int index = IndexOf(name, "delete link");
        Send(Nl.RTM_DELLINK, Nl.NLM_F_ACK, "delete link", name, (ref NetlinkWriter w) => w.Struct(new IfInfoMsg { Index = index }));
    }

    public LinkInfo GetLink(string name)
        => TryGetLink(name) ?? throw new InteropException("find link", $"{name} in {Where}", Errno.ENODEV, "no such interface");

    public LinkInfo? TryGetLink(string name)
    {
        try
        {
            var replies = Send(Nl.RTM_GETLINK, Nl.NLM_F_ACK, "find link", name, (ref NetlinkWriter w) =>
            {
                w.Struct(new IfInfoMsg());
                w.String(Nl.IFLA_IFNAME, ValidName(name));
            });
            return replies.Select(ParseLink).FirstOrDefault();
        }
        catch (InteropException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    public LinkInfo GetLink(int index)
    {
        var replies = Send(Nl.RTM_GETLINK, Nl.NLM_F_ACK, "find link", $"index {index}", (ref NetlinkWriter w) => w.Struct(new IfInfoMsg { Index = index }));
        return replies.Select(ParseLink).First();
    }

    public List<LinkInfo> ListLinks()
        => Send(Nl.RTM_GETLINK, Nl.NLM_F_DUMP, "list links", Where, (ref NetlinkWriter w) => w.Struct(new IfInfoMsg())).Select(ParseLink).ToList();

    public void SetUp(string name) => SetFlags(name, Nl.IFF_UP, "set link up");

    public void SetDown(string name) => SetFlags(name, 0, "set link down");

    public void SetMaster(string name, string master)
    {
        int masterIndex = IndexOf(master, "set master");
        SetLink(name, "set master", (ref NetlinkWriter w) => w.U32(Nl.IFLA_MASTER, (uint)masterIndex));
    }

    public void SetNoMaster(string name) => SetLink(name, "release from master", (ref NetlinkWriter w) => w.U32(Nl.IFLA_MASTER, 0));

    public void SetMtu(string name, int mtu) => SetLink(name, "set MTU", (ref NetlinkWriter w) => w.U32(Nl.IFLA_MTU, (uint)mtu));

    public void SetMac(string name, PhysicalAddress mac) => SetLink(name, "set MAC", (ref NetlinkWriter w) => w.Attribute(Nl.IFLA_ADDRESS, mac.GetAddressBytes()));

    public void Rename(string name, string newName) => SetLink(name, "rename link", (ref NetlinkWriter w) => w.String(Nl.IFLA_IFNAME, ValidName(newName)));

    public void MoveToNamespace(string name, NetworkNamespace target)
        => SetLink(name, "move link", (ref NetlinkWriter w) => w.U32(Nl.IFLA_NET_NS_FD, (uint)target.Fd));

    private void SetFlags(string name, uint flags, string operation)
    {
        int index = IndexOf(name, operation);
        Send(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, operation, name, (ref NetlinkWriter w) =>
            w.Struct(new IfInfoMsg { Index = index, Flags = flags, Change = Nl.IFF_UP }));
    }

    private void SetLink(string name, string operation, Build attributes)
    {
        int index = IndexOf(name, operation);
        Send(Nl.RTM_NEWLINK, Nl.NLM_F_ACK, operation, name, (ref NetlinkWriter w) =>
        {
            w.Struct(new IfInfoMsg { Index = index });
            attributes(ref w);
        });
    }

    public int IndexOf(string name, string operation = "find link")
        => TryGetLink(name)?.Index ?? throw new InteropException(operation, $"{name} in {Where}", Errno.ENODEV, "no such interface");

    private static LinkInfo ParseLink(NetlinkMessage msg)
    {
        var header = System.Runtime.InteropServices.MemoryMarshal.Read<IfInfoMsg>(msg.Payload);
        var attrs = NetlinkReader.Attributes(msg.Payload.AsSpan(16));
        var kind = attrs.Find(Nl.IFLA_LINKINFO)?.Nested.Find(Nl.IFLA_INFO_KIND)?.String;
        var mac = attrs.Find(Nl.IFLA_ADDRESS) is { Value.Length: 6 } a ? new PhysicalAddress(a.Value) : null;
        return new LinkInfo(header.Index, attrs.Find(Nl.IFLA_IFNAME)?.String ?? "", kind, (header.Flags & Nl.IFF_UP) != 0,
            (int)(attrs.Find(Nl.IFLA_MTU)?.U32 ?? 0), mac, (int)(attrs.Find(Nl.IFLA_MASTER)?.U32 ?? 0), (int)(attrs.Find(Nl.IFLA_LINK)?.U32 ?? 0));
    }

    /// <summary>Interface names: 1-15 bytes, no '/', no whitespace (the kernel's dev_valid_name).</summary>
    public static string ValidName(string name)
    {
        if (string.IsNullOrEmpty(name) || System.Text.Encoding.UTF8.GetByteCount(name) > 15 || name is "." or ".."
            || name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c)))
            throw new ArgumentException($"invalid interface name '{name}': 1-15 characters, no '/', ':' or spaces", nameof(name));
        return name;
    }
}
