using System.Net;
using System.Runtime.ExceptionServices;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Sockets;

namespace Dataplane.ControlPlane.Host;

/// <summary>
/// Holds every published host port with a real socket in the daemon's namespace, as dockerd does:
/// a port another process already holds is refused at once, and nothing else can take ours.
/// Packets to published ports are translated by BPF before any socket sees them. With
/// <paramref name="hold"/> off the check is the same but each socket is closed at once.
/// </summary>
public sealed class SocketPortProbe(NetworkNamespace ns, bool hold = true) : IHostPortProbe, IDisposable
{
    /// <summary>From this many ports on, the batch is split across the cores: socket creation scales
    /// in the kernel (10,000 TCP ports: ~54 ms on one core, ~36 ms on two).</summary>
    private const int SplitFrom = 1024;

    private readonly Dictionary<(IPAddress, Proto, int), FileDescriptorHandle> _held = [];
    private readonly Lock _gate = new();

    public Errno[] TryReserve(IReadOnlyList<PublishedPort> ports)
    {
        var refused = new Errno[ports.Count];
        var sockets = new FileDescriptorHandle?[ports.Count];
        try
        {
            InNamespace(ports.Count, i =>
            {
                var s = PortHold.TryHold(ports[i].HostIp, ports[i].Container.Proto == Proto.Udp, ports[i].HostPort, out refused[i]);
                if (hold) sockets[i] = s;
                else s?.Dispose();
            });
        }
        catch
        {
            // All or nothing: when the kernel fails outright (EMFILE), every socket opened is closed.
            foreach (var s in sockets) s?.Dispose();
            throw;
        }
        lock (_gate)
            for (int i = 0; i < ports.Count; i++)
                if (sockets[i] is { } s) _held[Key(ports[i])] = s;
        return refused;
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

    /// <summary>A socket belongs to the namespace it was created in: one trip there per core for the whole batch.</summary>
    private void InNamespace(int count, Action<int> each)
    {
        if (count == 0) return;
        int workers = count < SplitFrom ? 1 : Math.Min(Environment.ProcessorCount, 8);
        var trips = Enumerable.Range(0, workers).Select(w => Task.Run(() => ns.Run(() =>
        {
            for (int i = w; i < count; i += workers) each(i);
        }))).ToArray();
        try
        {
            Task.WaitAll(trips);
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}
