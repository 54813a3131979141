namespace Dataplane.ControlPlane.Frontends.Cni;

// The wire contract between the dataplane-cni plugin and the daemon. BCL types only: the plugin
// links this file instead of referencing the control plane (which would drag ASP.NET Core into a
// binary that must start in milliseconds).

/// <summary>The daemon's routes for the CNI plugin.</summary>
public static class CniRoutes
{
    public const string Attachments = "/cni/attachments";
    public const string Gc = "/cni/gc";
    public const string Status = "/cni/status";

    public static string Attachment(string containerId, string ifName)
        => $"{Attachments}/{Uri.EscapeDataString(containerId)}/{Uri.EscapeDataString(ifName)}";
}

/// <summary>One entry of the portMappings runtime capability, as CNI spells it.</summary>
public sealed record CniPortMapping(int HostPort, int ContainerPort, string Protocol, string? HostIp);

/// <summary>An address the previous plugin gave the sandbox interface: "198.18.5.2/24" and its gateway.</summary>
public sealed record CniAddress(string Cidr, string? Gateway);

/// <summary>
/// ADD: adopt the host side of a sandbox interface and publish its ports. HostInterfaces are the
/// prevResult interfaces without a sandbox (the bridge and the host veth); the daemon tells them
/// apart from the kernel's view (the veth is the one enslaved to a bridge). ReserveHostPorts false:
/// the runtime binds the host ports itself (Podman does), so the daemon only checks other owners.
/// </summary>
public sealed record CniAttachRequest(
    string ContainerId,
    string IfName,
    string Network,
    IReadOnlyList<string> HostInterfaces,
    string ContainerMac,
    IReadOnlyList<CniAddress> Addresses,
    IReadOnlyList<CniPortMapping> PortMappings,
    bool Masquerade,
    bool ReserveHostPorts = true);

/// <summary>An attachment as the daemon holds and persists it: what was asked (PortMappings) and
/// what the engine published for it (Published: concrete host addresses, one per family for a mapping
/// without hostIP).</summary>
public sealed record CniAttachment(
    string ContainerId,
    string IfName,
    string Network,
    string Bridge,
    string HostVeth,
    string ContainerMac,
    IReadOnlyList<CniAddress> Addresses,
    IReadOnlyList<CniPortMapping> PortMappings,
    bool Masquerade,
    bool ReserveHostPorts,
    IReadOnlyList<CniPortMapping> Published);

/// <summary>The attachments of a runtime that are still valid (CNI GC's cni.dev/valid-attachments).</summary>
public sealed record CniAttachmentId(string ContainerId, string IfName);

/// <summary>GC: release every attachment of Network not listed in Valid.</summary>
public sealed record CniGcRequest(string Network, IReadOnlyList<CniAttachmentId> Valid);

/// <summary>What GC released.</summary>
public sealed record CniGcResponse(IReadOnlyList<CniAttachmentId> Released);

/// <summary>STATUS: the daemon is up and serving; how many attachments it holds.</summary>
public sealed record CniStatusResponse(int Attachments);
