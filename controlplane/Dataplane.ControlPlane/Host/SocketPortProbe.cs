using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Interop.Sockets;

namespace Dataplane.ControlPlane.Host;

/// <summary>
/// Looks at the sockets of the daemon's namespace for a publish request: one sock_diag dump per
/// family and protocol (a port another process listens on, or has bound for UDP, is refused as Docker
/// refuses it) and one trial bind per specific host address (one that is not the host's is refused
/// with the kernel's reason).
/// Costs the same for 1 or 50,000 ports and keeps no open file: the bind guard reserves the ports
/// against binds and, with <paramref name="hold"/>, ip_local_reserved_ports against ephemeral use.
/// </summary>
public sealed class SocketPortProbe(NetworkNamespace ns, bool hold = true) : IHostPortProbe
{
    private readonly EphemeralPortReservation? _ephemeral = hold ? new(ns) : null;

    public void Published(PortSet ports)
    {
        try
        {
            _ephemeral?.Set(ports);
        }
        catch (Exception e) when (e is InteropException or IOException or UnauthorizedAccessException)
        {
            // A read-only /proc/sys: the guard still refuses binds; only ephemeral picks go unguarded.
        }
    }

    public HostPortView Look(IReadOnlyCollection<(IPAddress Address, Proto Proto)> wanted)
    {
        if (wanted.Count == 0) return HostPortView.Free;
        // Both families for either: a dual-stack [::] socket holds the IPv4 port too.
        var kinds = wanted.Select(w => w.Proto).Distinct()
            .SelectMany(p => new[] { (AddressFamily.InterNetwork, p == Proto.Udp), (AddressFamily.InterNetworkV6, p == Proto.Udp) }).ToList();
        var addresses = wanted.Select(w => w.Address).Where(a => !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any)).Distinct().ToList();
        return ns.Run(() => new HostPortView(SockDiag.Dump(kinds), addresses.Where(a => !IsLocal(a)).ToList()));
    }

    /// <summary>A bind to port 0 (the kernel picks a free one) is refused only for an address that is not the host's.</summary>
    private static bool IsLocal(IPAddress address)
    {
        using var trial = PortHold.TryHold(address, udp: true, port: 0, out var reason);
        return reason != Errno.EADDRNOTAVAIL;
    }
}
