using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ports;
using Prometheus;

namespace Dataplane.ControlPlane.Observability;

/// <summary>
/// The daemon's Prometheus metrics (prometheus-net, a registry of its own). Data-path series are read
/// from the BPF maps at scrape time (a callback before each collection): nothing is sampled in between,
/// so a scrape shows the kernel's counters as they are. Control-plane series (API durations, reconcile
/// runs) are recorded where they happen. See README "Observe it" for what each one means.
/// </summary>
public sealed class DataplaneMetrics
{
    private readonly DataPathMaps _maps;
    private readonly DataPathMaps6? _maps6;
    private readonly DataPathReader _reader;
    private readonly ConntrackGc? _gc;
    private readonly Func<CancellationToken, Task<IReadOnlyDictionary<IPAddress, string>>> _containers;
    private readonly SemaphoreSlim _scrape = new(1, 1);

    private readonly Counter _dropPackets, _dropBytes, _fwdPackets, _fwdBytes, _portPackets, _portBytes, _sockRedirects;
    private readonly Counter _gcRuns, _gcDeleted, _gcSeconds, _events, _snatExhausted;
    private readonly Gauge _ctEntries, _ctCapacity, _mapPressure, _mapEntries, _mapMax, _gcInterval;
    private readonly Gauge _snatInUse, _snatRange, _publishedPorts, _containersGauge;
    private readonly StaleSeries _portSeries, _ctSeries;
    private readonly Dictionary<(uint Id, string Container), string[]> _portLabels = [];

    public DataplaneMetrics(DataPathMaps maps, DataPathReader reader, ConntrackGc? gc,
        Func<CancellationToken, Task<IReadOnlyDictionary<IPAddress, string>>>? containers = null, DataPathMaps6? maps6 = null)
    {
        _maps = maps;
        _maps6 = maps6;
        _reader = reader;
        _gc = gc;
        _containers = containers ?? (_ => Task.FromResult<IReadOnlyDictionary<IPAddress, string>>(new Dictionary<IPAddress, string>()));
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);

        _dropPackets = f.CreateCounter("dataplane_drop_packets_total", "Packets the data path dropped, by reason and direction (ingress: arrived on an uplink; egress: sent by a container; none: not a packet, e.g. ct_early_drop evictions).", "reason", "direction");
        _dropBytes = f.CreateCounter("dataplane_drop_bytes_total", "Bytes of the packets the data path dropped, by reason and direction.", "reason", "direction");
        _fwdPackets = f.CreateCounter("dataplane_forward_packets_total", "Packets a flow translated, by path (dnat, dnat_reply, masquerade, masquerade_reply, hairpin, xdp).", "path");
        _fwdBytes = f.CreateCounter("dataplane_forward_bytes_total", "Bytes of the packets a flow translated, by path.", "path");
        _sockRedirects = f.CreateCounter("dataplane_socket_redirects_total", "Host sockets whose destination a cgroup hook rewrote to a container, either family (connect: connect4 and connect6, sendmsg: sendmsg4 and sendmsg6).", "hook");
        _portPackets = f.CreateCounter("dataplane_published_port_packets_total", "Packets of the flows of a published port, both directions.", "container", "host_ip", "host_port", "proto");
        _portBytes = f.CreateCounter("dataplane_published_port_bytes_total", "Bytes of the flows of a published port, both directions.", "container", "host_ip", "host_port", "proto");
        _ctEntries = f.CreateGauge("dataplane_conntrack_entries", "Conntrack entries (two per flow) by family, protocol and state.", "family", "proto", "state");
        _ctCapacity = f.CreateGauge("dataplane_conntrack_capacity", "Size of the conntrack table (entries).");
        _mapPressure = f.CreateGauge("dataplane_bpf_map_pressure", "Entries in use over max_entries for every hash, LRU and LPM map (1 = full).", "map");
        _mapEntries = f.CreateGauge("dataplane_bpf_map_entries", "Entries in use of every hash, LRU and LPM map.", "map");
        _mapMax = f.CreateGauge("dataplane_bpf_map_max_entries", "max_entries of every map.", "map");
        _gcRuns = f.CreateCounter("dataplane_conntrack_gc_runs_total", "Conntrack sweeps run.");
        _gcDeleted = f.CreateCounter("dataplane_conntrack_gc_deleted_total", "Conntrack entries the sweeper removed (expired flows, both directions).");
        _gcSeconds = f.CreateCounter("dataplane_conntrack_gc_duration_seconds_total", "Time spent sweeping conntrack.");
        _gcInterval = f.CreateGauge("dataplane_conntrack_gc_interval_seconds", "Interval to the next sweep (adapts to how many entries expired).");
        _snatInUse = f.CreateGauge("dataplane_masquerade_ports_in_use", "Masqueraded flows, IPv4 and IPv6 (NAT66) (conntrack flows whose source was translated; each holds a source port towards its remote end).");
        _snatRange = f.CreateGauge("dataplane_masquerade_port_range_size", "Ports in the masquerade range per host address and protocol.");
        _snatExhausted = f.CreateCounter("dataplane_masquerade_exhausted_total", "New masqueraded flows refused because no source port was free (drop reason snat_exhausted).");
        _events = f.CreateCounter("dataplane_monitor_events_total", "Drop/trace events for `dataplane monitor`, by outcome (emitted, rate_limited, lost: ring buffer full).", "outcome");
        _publishedPorts = f.CreateGauge("dataplane_published_ports", "Published ports (dp_portmap entries).");
        _containersGauge = f.CreateGauge("dataplane_containers", "Containers with an address the daemon knows.");
        ApiRequestDuration = f.CreateHistogram("dataplane_api_request_duration_seconds", "Duration of API requests by route, method and status code.",
            new HistogramConfiguration { LabelNames = ["route", "method", "code"], Buckets = Histogram.ExponentialBuckets(0.0005, 4, 9) });
        ReconcileRuns = f.CreateCounter("dataplane_reconcile_runs_total", "Reconciliations of the published ports with the kernel's maps (at start).");

        _portSeries = new StaleSeries(_portPackets, _portBytes);
        _ctSeries = new StaleSeries(_ctEntries);
        Registry.AddBeforeCollectCallback(CollectAsync);
    }

    public CollectorRegistry Registry { get; }

    public Histogram ApiRequestDuration { get; }

    public Counter ReconcileRuns { get; }

    /// <summary>The Prometheus text exposition format (version 0.0.4).</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>One scrape: reads the maps, then writes every series to <paramref name="output"/>.</summary>
    public Task WriteAsync(Stream output, CancellationToken ct) => Registry.CollectAndExportAsTextAsync(output, ct);

    private async Task CollectAsync(CancellationToken ct)
    {
        var names = await _containers(ct);
        await _scrape.WaitAsync(ct);
        try
        {
            CollectDrops();
            CollectForwarding();
            CollectPorts(names);
            var ctCount = CollectConntrack();
            CollectMaps(ctCount);
            CollectGc();
            _containersGauge.Set(names.Count);
        }
        finally
        {
            _scrape.Release();
        }
    }

    private void CollectDrops()
    {
        var byDirection = _reader.DropsByDirection();
        foreach (var (reason, total) in _maps.Drops())
        {
            var name = Names.Of(reason);
            var (ingress, egress) = byDirection.TryGetValue(reason, out var d) ? d : default;
            _dropPackets.WithLabels(name, "ingress").IncTo(ingress.Packets);
            _dropBytes.WithLabels(name, "ingress").IncTo(ingress.Bytes);
            _dropPackets.WithLabels(name, "egress").IncTo(egress.Packets);
            _dropBytes.WithLabels(name, "egress").IncTo(egress.Bytes);
            ulong otherPackets = total.Packets - Math.Min(total.Packets, ingress.Packets + egress.Packets);
            if (otherPackets > 0)
            {
                _dropPackets.WithLabels(name, "none").IncTo(otherPackets);
                _dropBytes.WithLabels(name, "none").IncTo(total.Bytes - Math.Min(total.Bytes, ingress.Bytes + egress.Bytes));
            }
            if (reason == DropReason.SnatExhausted) _snatExhausted.IncTo(total.Packets);
        }
    }

    private void CollectForwarding()
    {
        foreach (var (path, c) in _reader.Forwarded())
        {
            if (path is ForwardPath.SockConnect or ForwardPath.SockSendmsg)
            {
                _sockRedirects.WithLabels(path == ForwardPath.SockConnect ? "connect" : "sendmsg").IncTo(c.Packets); // both families share the counter
                continue;
            }
            var name = Names.Of(path);
            _fwdPackets.WithLabels(name).IncTo(c.Packets);
            _fwdBytes.WithLabels(name).IncTo(c.Bytes);
        }
        var (emitted, limited, lost) = _reader.EventCounts();
        _events.WithLabels("emitted").IncTo(emitted);
        _events.WithLabels("rate_limited").IncTo(limited);
        _events.WithLabels("lost").IncTo(lost);
    }

    private void CollectPorts(IReadOnlyDictionary<IPAddress, string> names)
    {
        var mappings = _maps.PortMappings();
        _publishedPorts.Set(mappings.Count);
        _portSeries.BeginScrape();
        foreach (var m in mappings)
        {
            var container = names.TryGetValue(m.ContainerAddress, out var n) ? n : m.ContainerAddress.ToString();
            if (!_portLabels.TryGetValue((m.Id, container), out var labels))
            {
                labels = [container, m.Port.OnEveryAddress ? "0.0.0.0" : m.Port.HostIp.ToString(), m.Port.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Port.Proto.Name()];
                _portLabels[(m.Id, container)] = labels;
            }
            var c = _maps.MappingCounters(m.Id);
            _portPackets.WithLabels(labels).IncTo(c.Packets);
            _portBytes.WithLabels(labels).IncTo(c.Bytes);
            _portSeries.Seen(labels);
        }
        foreach (var gone in _portSeries.EndScrape())
            _portLabels.Remove(_portLabels.First(kv => ReferenceEquals(kv.Value, gone)).Key);
    }

    /// <summary>Both families' tables; returns the IPv4 table's entries (its fill, without a second walk).</summary>
    private int CollectConntrack()
    {
        var v4 = _maps.ConntrackCounts();
        var v6 = _maps6?.ConntrackCounts();
        _snatInUse.Set(v4.Masqueraded + (v6?.Masqueraded ?? 0));
        _ctSeries.BeginScrape();
        Collect(0, v4);
        if (v6 is not null) Collect(1, v6);
        _ctSeries.EndScrape();
        return v4.Total;
    }

    private void Collect(int family, ConntrackCensus census)
    {
        foreach (var (proto, byState) in census.ByProtoState)
        {
            int p = proto switch { DataPathAbi.ProtoTcp => 0, DataPathAbi.ProtoUdp => 1, _ => 2 };
            for (int s = 0; s < byState.Length; s++)
            {
                if (byState[s] == 0) continue;
                var labels = Names.CtLabels(family, p, s);
                _ctEntries.WithLabels(labels).Set(byState[s]);
                _ctSeries.Seen(labels);
            }
        }
    }

    private void CollectMaps(int ctEntries)
    {
        var (min, max) = _maps.SnatRange();
        _snatRange.Set(max - min + 1);
        foreach (var fill in _reader.Fill(new Dictionary<string, int> { [DataPathAbi.MapCt] = ctEntries }))
        {
            _mapMax.WithLabels(fill.Name).Set(fill.MaxEntries);
            if (fill.Name == DataPathAbi.MapCt) _ctCapacity.Set(fill.MaxEntries);
            if (fill.Entries is not { } n) continue;
            _mapEntries.WithLabels(fill.Name).Set(n);
            _mapPressure.WithLabels(fill.Name).Set(fill.MaxEntries > 0 ? (double)n / fill.MaxEntries : 0);
        }
    }

    private void CollectGc()
    {
        if (_gc is null) return;
        _gcRuns.IncTo(_gc.Runs);
        _gcDeleted.IncTo(_gc.Deleted);
        _gcSeconds.IncTo(_gc.TotalSeconds);
        _gcInterval.Set(_gc.Interval.TotalSeconds);
    }

    /// <summary>Labelled series seen in the last scrape: the ones that went (an unpublished port, a state
    /// no entry has any more) are removed instead of staying at their last value.</summary>
    private sealed class StaleSeries(params Collector[] metrics)
    {
        private HashSet<string[]> _previous = new(ReferenceEqualityComparer.Instance);
        private HashSet<string[]> _current = new(ReferenceEqualityComparer.Instance);

        public void BeginScrape() => _current.Clear();

        public void Seen(string[] labels) => _current.Add(labels);

        public IReadOnlyList<string[]> EndScrape()
        {
            var gone = _previous.Where(l => !_current.Contains(l)).ToList();
            foreach (var labels in gone)
                foreach (var m in metrics)
                    switch (m)
                    {
                        case Counter c: c.RemoveLabelled(labels); break;
                        case Gauge g: g.RemoveLabelled(labels); break;
                    }
            (_previous, _current) = (_current, _previous);
            return gone;
        }
    }
}
