using System.Diagnostics;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>What one sweep did: entries removed, entries walked (both tables), and the fullest
/// table's fill after it (0..1), the share that decides pressure.</summary>
public readonly record struct ConntrackSweep(int Removed, int Walked, double Fullest);

/// <summary>
/// The conntrack sweeper's schedule and record. The interval adapts to what the last sweep found, as
/// Cilium's GC does: when many of the entries had expired it shortens (the table churns; sweep before
/// it fills), when few it lengthens (the walk is the cost, up to ~0.1 s at a full table), within
/// [<see cref="MinInterval"/>, <see cref="MaxInterval"/>]. A table still over
/// <see cref="ConntrackPressure.High"/> after a sweep sweeps at the minimum, and a new flow refused
/// for a full table (<paramref name="refused"/>, the CT_FULL drop count, looked at every
/// <see cref="PressureProbe"/>) brings the next sweep forward: its pressure eviction is what frees a
/// table the data path's own early drop could not.
/// </summary>
public sealed class ConntrackGc(Func<ulong, ConntrackSweep> sweep, Func<ulong> refused)
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan InitialInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan PressureProbe = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private long _runs, _deleted, _lastEntries;
    private double _seconds, _lastSeconds;
    private ulong _refusedBefore = refused();

    public TimeSpan Interval { get; private set; } = InitialInterval;

    public long Runs { get { lock (_gate) return _runs; } }
    public long Deleted { get { lock (_gate) return _deleted; } }
    public double TotalSeconds { get { lock (_gate) return _seconds; } }
    public double LastSeconds { get { lock (_gate) return _lastSeconds; } }

    /// <summary>Entries the last sweep walked (the table's fill then).</summary>
    public long LastEntries { get { lock (_gate) return _lastEntries; } }

    /// <summary>Sweeps on the adaptive schedule (to within a <see cref="PressureProbe"/>), and at once when
    /// the data path refused a flow for a full table; <paramref name="swept"/> hears the entries each sweep removed.</summary>
    public async Task RunAsync(Action<int> swept, CancellationToken ct)
    {
        var since = Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(PressureProbe, ct);
            if (since.Elapsed < Interval && refused() == _refusedBefore) continue;
            swept(Run(ConntrackEntry.MonotonicNowNs()));
            since.Restart();
        }
    }

    /// <summary>One sweep; returns the entries removed and sets the next interval.</summary>
    public int Run(ulong nowNs)
    {
        _refusedBefore = refused(); // refusals until now are this sweep's to answer
        var watch = Stopwatch.StartNew();
        var result = sweep(nowNs);
        double seconds = watch.Elapsed.TotalSeconds;
        lock (_gate)
        {
            _runs++;
            _deleted += result.Removed;
            _seconds += seconds;
            _lastSeconds = seconds;
            _lastEntries = result.Walked;
            Interval = Next(Interval, result.Removed, result.Walked, result.Fullest);
        }
        return result.Removed;
    }

    /// <summary>The adaptation rule, pure for tests: the share of entries that had expired scales the
    /// interval down (over 25%: by that share, at least halved at 50%), a share under 5% scales it up by
    /// half; a table left over <see cref="ConntrackPressure.High"/> (<paramref name="fullest"/>) goes
    /// straight to the minimum.</summary>
    public static TimeSpan Next(TimeSpan current, int removed, int entries, double fullest)
    {
        if (fullest > ConntrackPressure.High) return MinInterval;
        double ratio = entries > 0 ? (double)removed / entries : 0;
        var next = ratio >= 0.25 ? current * (1 - Math.Min(ratio, 0.5))
            : ratio < 0.05 ? current * 1.5
            : current;
        return next < MinInterval ? MinInterval : next > MaxInterval ? MaxInterval : next;
    }
}
