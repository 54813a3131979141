using System.Net;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.ControlPlane.Host;

/// <summary>A bridge network as the kernel sees it.</summary>
public sealed record BridgeNetwork(uint Id, string Bridge, IPAddress Subnet, int PrefixLength, IPAddress Gateway, bool Internal = false, bool Icc = true, bool Masquerade = true)
{
    public NetworkFlags Flags => (Icc ? NetworkFlags.Icc : 0) | (Internal ? NetworkFlags.Internal : Masquerade ? NetworkFlags.Masquerade : 0);
}
