using System.Runtime.InteropServices;
using System.Threading.Channels;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Observability;

/// <summary>
/// Drop and trace events from the data path's ring buffer, fanned out to the `dataplane monitor`
/// clients. The data path emits only the types some client asked for (dp_event_ctl's mask: with no
/// client, nothing is emitted and nothing polled), at most its per-CPU rate; a dedicated thread polls
/// the ring buffer while anyone listens. Each client has a bounded queue that drops its oldest events
/// when the client reads too slowly, so one slow reader never holds the others or the data path back.
/// </summary>
public sealed class EventMonitor : IDisposable
{
    public const int QueueCapacity = 4096;

    private readonly DataPathReader _reader;
    private readonly ILogger? _log;
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscribers = [];
    private readonly BpfRingBuffer _ring;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _poller;
    private volatile bool _stopping;

    public EventMonitor(DataPathReader reader, ILogger? log = null)
    {
        _reader = reader;
        _log = log;
        _ring = new BpfRingBuffer(reader.Events, Dispatch);
        _reader.SetEventControl(0); // a previous daemon's clients are gone
        _poller = new Thread(Poll) { IsBackground = true, Name = "dataplane-monitor" };
        _poller.Start();
    }

    /// <summary>Events of the given types (a mask of 1 &lt;&lt; EventType) until the subscription is disposed.</summary>
    public Subscription Subscribe(uint typeMask)
    {
        var s = new Subscription(this, typeMask);
        lock (_gate)
        {
            _subscribers.Add(s);
            UpdateMask();
        }
        _wake.Release();
        return s;
    }

    private void Unsubscribe(Subscription s)
    {
        lock (_gate)
        {
            _subscribers.Remove(s);
            UpdateMask();
        }
        s.Writer.TryComplete();
    }

    private void UpdateMask()
    {
        uint mask = 0;
        foreach (var s in _subscribers) mask |= s.TypeMask;
        _reader.SetEventControl(mask);
    }

    private void Poll()
    {
        while (!_stopping)
        {
            bool any;
            lock (_gate) any = _subscribers.Count > 0;
            if (!any)
            {
                _wake.Wait(TimeSpan.FromSeconds(1));
                continue;
            }
            try
            {
                _ring.Poll(100);
            }
            catch (Exception e) when (e is InteropException or InvalidOperationException)
            {
                _log?.LogWarning("monitor: {Error}", e.Message);
                Thread.Sleep(100);
            }
        }
    }

    private void Dispatch(ReadOnlySpan<byte> record)
    {
        if (record.Length < Marshal.SizeOf<DataPathEvent>()) return;
        var e = MemoryMarshal.Read<DataPathEvent>(record);
        lock (_gate)
            foreach (var s in _subscribers)
                if ((s.TypeMask & (1u << (int)e.Type)) != 0)
                    s.Writer.TryWrite(e);
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Release();
        _poller.Join(TimeSpan.FromSeconds(2));
        lock (_gate)
        {
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
        try
        {
            _reader.SetEventControl(0);
        }
        catch (InteropException)
        {
        }
        _ring.Dispose();
        _wake.Dispose();
    }

    /// <summary>One client's stream of events; dispose to stop.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly EventMonitor _owner;
        private readonly Channel<DataPathEvent> _channel = Channel.CreateBounded<DataPathEvent>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        internal Subscription(EventMonitor owner, uint typeMask)
        {
            _owner = owner;
            TypeMask = typeMask;
        }

        public uint TypeMask { get; }

        internal ChannelWriter<DataPathEvent> Writer => _channel.Writer;

        public ChannelReader<DataPathEvent> Events => _channel.Reader;

        public void Dispose() => _owner.Unsubscribe(this);
    }
}
