using System.Net;
using System.Net.NetworkInformation;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Interop.Netlink;

/// <summary>A link as rtnetlink reports it. LinkIndex is IFLA_LINK: for a veth, the peer's ifindex in
/// the peer's namespace (how a container's eth0 names its host-side veth); 0 when absent.</summary>
public sealed record LinkInfo(int Index, string Name, string? Kind, bool IsUp, int Mtu, PhysicalAddress? Mac, int MasterIndex, int LinkIndex = 0);

public sealed record AddressInfo(int Index, IPAddress Address, int PrefixLength);

public sealed record RouteInfo(IPAddress? Destination, int PrefixLength, IPAddress? Gateway, int OutputIndex, int Table);

/// <summary>A neighbour (ARP/ND) entry: <paramref name="State"/> is the kernel's NUD_* bits, <paramref name="Mac"/> null while unresolved.</summary>
public sealed record NeighbourInfo(int Index, IPAddress Address, PhysicalAddress? Mac, ushort State)
{
    public bool IsPermanent => (State & Nl.NUD_PERMANENT) != 0;
}

/// <summary>
/// Typed rtnetlink operations (links, addresses, routes, neighbours) in one network namespace: the
/// one the handle was opened in. Mechanism only: no policy about what to create.
/// </summary>
public sealed partial class RtNetlink : IDisposable
{
    private readonly NetlinkSocket _socket;

    private RtNetlink(NetlinkSocket socket, string where)
    {
        _socket = socket;
        Where = where;
    }

    /// <summary>The namespace this handle acts in, for messages.</summary>
    public string Where { get; }

    /// <summary>A handle acting in <paramref name="ns"/> (null: the calling thread's namespace).</summary>
    public static RtNetlink Open(NetworkNamespace? ns = null)
        => ns is null ? new RtNetlink(NetlinkSocket.Open(), "current namespace") : new RtNetlink(ns.Run(NetlinkSocket.Open), ns.Name ?? ns.Description);

    public void Dispose() => _socket.Dispose();

    private delegate void Build(ref NetlinkWriter w);

    private List<NetlinkMessage> Send(ushort type, ushort flags, string operation, string what, Build build)
    {
        Span<byte> buffer = stackalloc byte[1024];
        var w = new NetlinkWriter(buffer);
        w.Header(type, (ushort)(Nl.NLM_F_REQUEST | flags), _socket.NextSequence());
        build(ref w);
        return _socket.Exchange(w.Finish(), operation, what);
    }

    private const ushort Create = Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL;
}
