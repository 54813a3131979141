using System.Net;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.ControlPlane.Host;

/// <summary>A bridge network as the kernel sees it.</summary>
public sealed record BridgeNetwork(uint Id, string Bridge, IPAddress Subnet, int PrefixLength, IPAddress Gateway, bool Internal = false, bool Icc = true, bool Masquerade = true)
{
    public NetworkFlags Flags => (Icc ? NetworkFlags.Icc : 0) | (Internal ? NetworkFlags.Internal : Masquerade ? NetworkFlags.Masquerade : 0);

    /// <summary>The IPv6 side of a dual-stack network, or null (IPv4 only).</summary>
    public BridgeNetworkV6? V6 { get; init; }
}

/// <summary>A network's IPv6 subnet and the bridge's IPv6 gateway address.</summary>
public sealed record BridgeNetworkV6(IPAddress Subnet, int PrefixLength, IPAddress Gateway);
