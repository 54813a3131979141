using System.Net.NetworkInformation;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;

namespace Dataplane.ControlPlane.Frontends.Docker;

/// <summary>
/// Finds the host side of a container's veth: inside the container's sandbox, the interface with the
/// endpoint's MAC names its peer's ifindex (IFLA_LINK), which is the host veth in the Docker host's
/// namespace. The sandbox is opened at its SandboxKey (a bind-mounted netns, as dockerd reports it),
/// or through the container's init process when that path is not a namespace here (dockerd in a
/// mount namespace of its own).
/// </summary>
public sealed class SandboxVeths(NetworkNamespace? hostNamespace)
{
    /// <summary>The host veth's name for each MAC, or an error naming what was not found.</summary>
    public IReadOnlyDictionary<PhysicalAddress, string> Resolve(string? sandboxKey, int pid, IReadOnlyCollection<PhysicalAddress> macs)
    {
        using var sandbox = OpenSandbox(sandboxKey, pid);
        var peers = new Dictionary<PhysicalAddress, int>();
        using (var inside = RtNetlink.Open(sandbox))
        {
            foreach (var link in inside.ListLinks())
                if (link.Mac is { } mac && macs.Contains(mac) && link.Kind == "veth" && link.LinkIndex > 0) peers[mac] = link.LinkIndex;
        }
        using var host = RtNetlink.Open(hostNamespace);
        var result = new Dictionary<PhysicalAddress, string>();
        foreach (var mac in macs)
        {
            if (!peers.TryGetValue(mac, out int index))
                throw new InvalidOperationException($"no veth with MAC {Format(mac)} in the sandbox of pid {pid}");
            var veth = host.GetLink(index);
            if (veth.Kind != "veth")
                throw new InvalidOperationException($"the peer of {Format(mac)} (ifindex {index}) is {veth.Name}, not a veth in the Docker host's namespace");
            result[mac] = veth.Name;
        }
        return result;
    }

    private static NetworkNamespace OpenSandbox(string? sandboxKey, int pid)
    {
        if (!string.IsNullOrEmpty(sandboxKey) && File.Exists(sandboxKey))
        {
            var ns = NetworkNamespace.OpenPath(sandboxKey);
            if (IsNetworkNamespace(ns)) return ns;
            ns.Dispose(); // a plain file here: the bind mount lives in dockerd's mount namespace
        }
        return NetworkNamespace.OpenPid(pid);
    }

    private static bool IsNetworkNamespace(NetworkNamespace ns)
    {
        try
        {
            ns.Run(() => { });
            return true;
        }
        catch (InteropException)
        {
            return false;
        }
    }

    public static string Format(PhysicalAddress mac) => string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
