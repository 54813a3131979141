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
        var sockets = HoldInNamespace(ports);
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

    /// <summary>From this many ports on, the batch is split across the cores: socket creation scales
    /// in the kernel (10,000 TCP ports: ~54 ms on one core, ~30 ms on two).</summary>
    private const int SplitFrom = 1024;

    /// <summary>
    /// A socket belongs to the namespace it was created in: one trip there per core for the whole
    /// batch. All or nothing: when the kernel fails outright (EMFILE), every socket opened is closed.
    /// </summary>
    private FileDescriptorHandle?[] HoldInNamespace(IReadOnlyList<PublishedPort> ports)
    {
        if (ports.Count == 0) return [];
        var sockets = new FileDescriptorHandle?[ports.Count];
        int workers = ports.Count < SplitFrom ? 1 : Math.Min(Environment.ProcessorCount, 8);
        try
        {
            var trips = Enumerable.Range(0, workers).Select(w => Task.Run(() => ns.Run(() =>
            {
                for (int i = w; i < ports.Count; i += workers)
                    sockets[i] = PortHold.TryHold(ports[i].HostIp, ports[i].Container.Proto == Proto.Udp, ports[i].HostPort, out _);
            }))).ToArray();
            Task.WaitAll(trips);
            return sockets;
        }
        catch (AggregateException e)
        {
            foreach (var s in sockets) s?.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            throw;
        }
    }
}
