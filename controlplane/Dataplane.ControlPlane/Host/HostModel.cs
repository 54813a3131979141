using System.Net;
using System.Net.NetworkInformation;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.ControlPlane.Host;

/// <summary>What the daemon needs of its host namespace.</summary>
public sealed record NetworkHostOptions
{
    /// <summary>The namespace the daemon manages by name (/run/netns); null = the one it runs in.</summary>
    public string? Namespace { get; init; }

    /// <summary>Sandboxes are named network namespaces /run/netns/PREFIXNAME, so `ip netns exec` works on them.</summary>
    public string SandboxPrefix { get; init; } = "dp-";

    /// <summary>Interfaces carrying outside traffic; null = every non-loopback interface the daemon did not create.</summary>
    public IReadOnlyList<string>? Uplinks { get; init; }

    /// <summary>cgroup v2 directory for the socket hooks (host -> 127.0.0.1:published port); null = none.</summary>
    public string? SocketHookCgroup { get; init; }

    /// <summary>Also attach the XDP fast path to the uplinks (only where they deliver complete checksums: bpf/README.md).</summary>
    public bool Xdp { get; init; }

    public required DataPathOptions DataPath { get; init; }
}

/// <summary>A bridge network as the kernel sees it.</summary>
public sealed record BridgeNetwork(uint Id, string Bridge, IPAddress Subnet, int PrefixLength, IPAddress Gateway, bool Internal = false, bool Icc = true)
{
    public NetworkFlags Flags => (Icc ? NetworkFlags.Icc : 0) | (Internal ? NetworkFlags.Internal : NetworkFlags.Masquerade);
}

/// <summary>A sandbox's attachment to a bridge network: its veth, address and MAC.</summary>
public sealed record SandboxEndpoint(string Sandbox, string HostVeth, IPAddress Address, PhysicalAddress Mac, uint NetworkId);

public static class Macs
{
    /// <summary>Docker's rule: 02:42 followed by the IPv4 address (172.17.0.2 -> 02:42:ac:11:00:02).</summary>
    public static PhysicalAddress FromIPv4(IPAddress address)
    {
        var ip = address.GetAddressBytes();
        return new PhysicalAddress([0x02, 0x42, ip[0], ip[1], ip[2], ip[3]]);
    }
}
