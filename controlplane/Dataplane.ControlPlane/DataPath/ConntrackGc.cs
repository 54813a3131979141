using System.Diagnostics;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// The conntrack sweeper's schedule and record. The interval adapts to what the last sweep found, as
/// Cilium's GC does: when many of the entries had expired it shortens (the table churns; sweep before
/// it fills), when few it lengthens (the walk is the cost, up to ~0.1 s at a full table), within
/// [<see cref="MinInterval"/>, <see cref="MaxInterval"/>]; a table fuller than 90% sweeps at the minimum.
/// </summary>
public sealed class ConntrackGc(Func<ulong, (int Removed, int Walked)> sweep, int capacity)
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan InitialInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private long _runs, _deleted, _lastEntries;
    private double _seconds, _lastSeconds;

    public TimeSpan Interval { get; private set; } = InitialInterval;

    public long Runs { get { lock (_gate) return _runs; } }
    public long Deleted { get { lock (_gate) return _deleted; } }
    public double TotalSeconds { get { lock (_gate) return _seconds; } }
    public double LastSeconds { get { lock (_gate) return _lastSeconds; } }

    /// <summary>Entries the last sweep walked (the table's fill then).</summary>
    public long LastEntries { get { lock (_gate) return _lastEntries; } }

    /// <summary>One sweep; returns the entries removed and sets the next interval.</summary>
    public int Run(ulong nowNs)
    {
        var watch = Stopwatch.StartNew();
        var (removed, entriesBefore) = sweep(nowNs);
        double seconds = watch.Elapsed.TotalSeconds;
        lock (_gate)
        {
            _runs++;
            _deleted += removed;
            _seconds += seconds;
            _lastSeconds = seconds;
            _lastEntries = entriesBefore;
            Interval = Next(Interval, removed, entriesBefore, capacity);
        }
        return removed;
    }

    /// <summary>The adaptation rule, pure for tests: the share of entries that had expired scales the
    /// interval down (over 25%: by that share, at least halved at 50%), a share under 5% scales it up by
    /// half; pressure over 90% of the capacity goes straight to the minimum.</summary>
    public static TimeSpan Next(TimeSpan current, int removed, int entries, int capacity)
    {
        if (capacity > 0 && (entries - removed) > capacity * 0.9) return MinInterval;
        double ratio = entries > 0 ? (double)removed / entries : 0;
        var next = ratio >= 0.25 ? current * (1 - Math.Min(ratio, 0.5))
            : ratio < 0.05 ? current * 1.5
            : current;
        return next < MinInterval ? MinInterval : next > MaxInterval ? MaxInterval : next;
    }
}
