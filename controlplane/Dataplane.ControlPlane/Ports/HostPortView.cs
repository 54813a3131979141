using System.Net;
using System.Net.Sockets;
using Dataplane.Interop;
using Dataplane.Interop.Netlink;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// One look at the host's port-holding sockets, answering for any port what a bind(2) without
/// SO_REUSEADDR would: EADDRINUSE when a socket holds it on the same address or either side is the
/// wildcard (a dual-stack [::] socket also holds 0.0.0.0), EADDRNOTAVAIL when its address is not the
/// host's. Lookups cost one dictionary probe, so a publish request is linear in its ports.
/// </summary>
public sealed class HostPortView
{
    public static readonly HostPortView Free = new([], []);

    private readonly Dictionary<int, List<BoundSocket>> _byPort = [];   // by PortKey
    private readonly HashSet<IPAddress> _notLocal;

    public HostPortView(IEnumerable<BoundSocket> sockets, IEnumerable<IPAddress> notLocal)
    {
        foreach (var s in sockets)
        {
            var key = (s.Udp ? Proto.Udp : Proto.Tcp).PortKey(s.Port);
            if (!_byPort.TryGetValue(key, out var list)) _byPort[key] = list = [];
            list.Add(s);
        }
        _notLocal = [.. notLocal];
    }

    /// <summary>Why <paramref name="port"/> cannot be published now; Errno.None when it can.</summary>
    public Errno Refusal(PublishedPort port)
    {
        if (_notLocal.Count > 0 && _notLocal.Contains(port.HostIp)) return Errno.EADDRNOTAVAIL;
        if (!_byPort.TryGetValue(port.Proto.PortKey(port.HostPort), out var sockets)) return Errno.None;
        return sockets.Exists(s => Conflicts(s, port.HostIp)) ? Errno.EADDRINUSE : Errno.None;
    }

    private static bool Conflicts(BoundSocket socket, IPAddress wanted)
    {
        var held = socket.Address.IsIPv4MappedToIPv6 ? socket.Address.MapToIPv4() : socket.Address;
        if (held.AddressFamily != wanted.AddressFamily)
            return wanted.AddressFamily == AddressFamily.InterNetwork && !socket.V6Only && held.Equals(IPAddress.IPv6Any);
        return held.Equals(wanted) || IsWildcard(held) || IsWildcard(wanted);
    }

    private static bool IsWildcard(IPAddress ip) => ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);
}
