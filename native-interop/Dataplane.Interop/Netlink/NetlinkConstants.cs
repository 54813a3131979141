namespace Dataplane.Interop.Netlink;

/// <summary>The numbers of linux/netlink.h and linux/rtnetlink.h that we speak.</summary>
internal static class Nl
{
    public const int HeaderSize = 16;                      // struct nlmsghdr
    public const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4;
    public const ushort NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public const ushort NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
    public const ushort NLM_F_ACK_TLVS = 0x200;            // on NLMSG_ERROR: extended ack attributes follow
    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLA_F_NESTED = 0x8000;

    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
    public const ushort RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    public const ushort RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    public const ushort RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;

    public const byte AF_UNSPEC = 0, AF_INET = 2, AF_INET6 = 10, AF_BRIDGE = 7;

    // struct ifinfomsg attributes
    public const ushort IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10;
    public const ushort IFLA_OPERSTATE = 16, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28;
    public const ushort IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2;
    public const ushort VETH_INFO_PEER = 1;
    public const uint IFF_UP = 0x1;

    // struct ifaddrmsg attributes
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4;
    public const ushort IFA_FLAGS = 8;
    public const uint IFA_F_NODAD = 0x02;

    // struct rtmsg
    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
    public const byte RT_TABLE_MAIN = 254, RTPROT_STATIC = 4, RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RTN_UNICAST = 1;

    // struct ndmsg
    public const ushort NDA_DST = 1, NDA_LLADDR = 2;
    public const ushort NUD_PERMANENT = 0x80;
}
