using System.Net;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Sockets;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// Holds every published host port with a real socket in the daemon's namespace, as dockerd does:
/// a port another process already holds is refused at once, and nothing else can take ours.
/// Packets to published ports are translated by BPF before any socket sees them.
/// </summary>
public sealed class SocketPortProbe(NetworkNamespace ns) : IHostPortProbe, IDisposable
{
    private readonly Dictionary<(IPAddress, Proto, int), FileDescriptorHandle> _held = [];
    private readonly Lock _gate = new();

    public bool[] TryReserve(IReadOnlyList<PublishedPort> ports)
    {
        // A socket belongs to the namespace it was created in: one trip there for the whole batch.
        var sockets = ports.Count == 0 ? [] : ns.Run(() => HoldAll(ports));
        lock (_gate)
            for (int i = 0; i < ports.Count; i++)
                if (sockets[i] is { } s) _held[Key(ports[i])] = s;
        return [.. sockets.Select(s => s is not null)];
    }

    public void Release(PublishedPort port)
    {
        lock (_gate)
        {
            if (_held.Remove(Key(port), out var s)) s.Dispose();
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

    private static (IPAddress, Proto, int) Key(PublishedPort p) => (p.HostIp, p.Container.Proto, p.HostPort);

    /// <summary>All or nothing: when the kernel fails outright (EMFILE), the ones already held are closed.</summary>
    private static FileDescriptorHandle?[] HoldAll(IReadOnlyList<PublishedPort> ports)
    {
        var sockets = new FileDescriptorHandle?[ports.Count];
        try
        {
            for (int i = 0; i < ports.Count; i++)
                sockets[i] = PortHold.TryHold(ports[i].HostIp, ports[i].Container.Proto == Proto.Udp, ports[i].HostPort, out _);
            return sockets;
        }
        catch
        {
            foreach (var s in sockets) s?.Dispose();
            throw;
        }
    }
}
