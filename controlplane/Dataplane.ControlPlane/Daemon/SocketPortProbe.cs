using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// Holds every published host port with a real socket in the daemon's namespace, as dockerd does:
/// a port another process already holds is refused at once, and nothing else can take ours.
/// Packets to published ports are translated by BPF before any socket sees them.
/// </summary>
public sealed class SocketPortProbe(NetworkNamespace ns) : IHostPortProbe, IDisposable
{
    private readonly Dictionary<(IPAddress, Proto, int), Socket> _held = [];
    private readonly Lock _gate = new();

    public bool TryReserve(IPAddress hostIp, Proto proto, int port)
    {
        var socket = ns.Run(() =>
        {
            var s = proto == Proto.Udp
                ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
                : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Bind(new IPEndPoint(hostIp, port));
                if (proto == Proto.Tcp) s.Listen(1);
                return s;
            }
            catch (SocketException)
            {
                s.Dispose();
                return null;
            }
        });
        if (socket is null) return false;
        lock (_gate) _held[(hostIp, proto, port)] = socket;
        return true;
    }

    public void Release(IPAddress hostIp, Proto proto, int port)
    {
        lock (_gate)
        {
            if (_held.Remove((hostIp, proto, port), out var s)) s.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var s in _held.Values) s.Dispose();
            _held.Clear();
        }
    }
}
