using Dataplane.Interop.Netlink;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>
/// The kernel's view of the host-side interfaces a CNI result names, in the daemon's namespace: which
/// one is the sandbox's veth (enslaved to a bridge) and which bridge that is.
/// </summary>
public sealed class CniHostLinks(Func<RtNetlink> open)
{
    public static CniHostLinks CurrentNamespace { get; } = new(() => RtNetlink.Open());

    /// <summary>The host veth among <paramref name="candidates"/> and its bridge; an invalid-argument error naming them if none fits.</summary>
    public (string HostVeth, string Bridge) FindVeth(IReadOnlyList<string> candidates)
    {
        using var links = open();
        foreach (var name in candidates)
        {
            if (!IsInterfaceName(name) || links.TryGetLink(name) is not { Kind: "veth", MasterIndex: > 0 } veth)
                continue;
            var master = links.GetLink(veth.MasterIndex);
            if (master.Kind == "bridge")
                return (veth.Name, master.Name);
        }
        throw DataplaneException.Invalid(
            $"none of the host-side interfaces in prevResult ({string.Join(", ", candidates)}) is a veth on a bridge in the daemon's network namespace");
    }

    /// <summary>True while <paramref name="hostVeth"/> exists and is still enslaved to <paramref name="bridge"/>.</summary>
    public bool IsAttached(string hostVeth, string bridge)
    {
        using var links = open();
        return links.TryGetLink(hostVeth) is { Kind: "veth", MasterIndex: > 0 } veth && links.GetLink(veth.MasterIndex).Name == bridge;
    }

    private static bool IsInterfaceName(string name) => name.Length is > 0 and <= 15 && !name.Contains('/') && !name.Any(char.IsWhiteSpace);
}
