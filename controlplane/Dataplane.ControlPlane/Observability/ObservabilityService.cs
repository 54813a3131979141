using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Model;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.Observability;

/// <summary>
/// What the observability routes answer from: conntrack and NAT listings (and the flush), monitor
/// events, the metrics and `info`. Reads the data path's maps at call time; names containers by the
/// addresses the container engine knows (flows of others, e.g. CNI pods, show their address).
/// </summary>
public sealed class ObservabilityService : IDisposable
{
    private readonly DataPathProgram _dataPath;
    private readonly IContainerEngine _containers;
    private readonly NetworkNamespace _ns;
    private readonly RtNetlink _links;
    private readonly Lock _linkGate = new();
    private Dictionary<int, string> _linkNames = [];

    public ObservabilityService(DataPathProgram dataPath, IContainerEngine containers, ConntrackGc? gc, DaemonOptions options,
        IReadOnlyList<string> uplinks, ILogger? log = null)
    {
        _dataPath = dataPath;
        _containers = containers;
        Options = options;
        Uplinks = uplinks;
        Reader = new DataPathReader(dataPath.Object, dataPath.CountedInMemory);
        _ns = options.Namespace is null ? NetworkNamespace.Current() : NetworkNamespace.Open(options.Namespace);
        try
        {
            _links = RtNetlink.Open(_ns);
            Metrics = new DataplaneMetrics(dataPath.Maps, Reader, gc, ContainerNamesAsync, dataPath.Maps6);
            Monitor = new EventMonitor(Reader, log);
        }
        catch
        {
            _links?.Dispose();
            _ns.Dispose();
            throw;
        }
    }

    public DaemonOptions Options { get; }
    public IReadOnlyList<string> Uplinks { get; }
    public DataPathReader Reader { get; }
    public DataplaneMetrics Metrics { get; }
    public EventMonitor Monitor { get; }
    public DataPathProgram DataPath => _dataPath;

    public async Task<IReadOnlyDictionary<IPAddress, string>> ContainerNamesAsync(CancellationToken ct)
    {
        var names = new Dictionary<IPAddress, string>();
        foreach (var c in await _containers.ListAsync(ct))
            foreach (var a in AddressesOf(c)) names.TryAdd(a, c.Name);
        return names;
    }

    /// <summary>Every address of a container's endpoints, both families.</summary>
    private static IEnumerable<IPAddress> AddressesOf(ContainerRecord c) => c.Endpoints
        .SelectMany(e => new[] { e.IpAddress, e.GlobalIPv6Address })
        .Select(a => a is not null && IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>();

    /// <summary>A filter of `conntrack ls/flush`: every part optional; a container is named, its addresses looked up
    /// (an unknown one is the engine's 404); a protocol other than tcp/udp/icmp is a 400.</summary>
    public async Task<Func<ConntrackFlow, bool>> FilterAsync(int? port, string? container, string? proto, CancellationToken ct)
    {
        if (port is < 1 or > 65535) throw DataplaneException.Invalid($"invalid port: {port} (1-65535)");
        byte? protoByte = proto switch
        {
            null or "" => null,
            "tcp" => DataPathAbi.ProtoTcp,
            "udp" => DataPathAbi.ProtoUdp,
            "icmp" => DataPathAbi.ProtoIcmp, // ICMPv6 too (below)
            _ => throw DataplaneException.Invalid($"invalid protocol: {proto} (tcp, udp or icmp)"),
        };
        List<IPAddress>? addresses = null;
        if (!string.IsNullOrEmpty(container))
        {
            var record = await _containers.InspectAsync(container, ct);
            addresses = [.. AddressesOf(record)];
            if (addresses.Count == 0) throw DataplaneException.Invalid($"container {container} has no address (network mode {record.NetworkMode})");
        }
        return f => (port is null || f.HasPort(port.Value))
            && (protoByte is null || f.Proto == protoByte || (protoByte == DataPathAbi.ProtoIcmp && f.Proto == DataPathAbi.ProtoIcmpV6))
            && (addresses is null || addresses.Exists(f.Involves));
    }

    public async Task<IReadOnlyList<ConntrackFlowRecord>> ConntrackAsync(int? port, string? container, string? proto, CancellationToken ct)
    {
        var match = await FilterAsync(port, container, proto, ct);
        var names = await ContainerNamesAsync(ct);
        ulong now = ConntrackEntry.MonotonicNowNs();
        return AllFlows().Where(match).Select(f => Record(f, names, now)).ToList();
    }

    public async Task<ConntrackFlushResponse> FlushAsync(int? port, string? container, string? proto, CancellationToken ct)
    {
        var match = await FilterAsync(port, container, proto, ct);
        return new(_dataPath.Maps.FlushFlows(match) + _dataPath.Maps6.FlushFlows(match));
    }

    /// <summary>Both tables' flows, IPv4's first.</summary>
    private IEnumerable<ConntrackFlow> AllFlows() => _dataPath.Maps.ConntrackFlows().Concat(_dataPath.Maps6.ConntrackFlows());

    public async Task<IReadOnlyList<NatReservationRecord>> NatAsync(CancellationToken ct)
    {
        var names = await ContainerNamesAsync(ct);
        // A masqueraded flow's port is where its replies come back to: the reply tuple's destination.
        return AllFlows()
            .Where(f => (f.Flags & CtFlags.Snat) != 0)
            .Select(f => new NatReservationRecord(Names.Proto(f.Proto), f.Reply.Destination.ToString(), f.Reply.DestinationPort,
                f.Original.Source.ToString(), f.Original.SourcePort, f.Original.Destination.ToString(), f.Original.DestinationPort,
                names.TryGetValue(f.Original.Source, out var n) ? n : null))
            .OrderBy(r => r.Address, StringComparer.Ordinal).ThenBy(r => r.Proto, StringComparer.Ordinal).ThenBy(r => r.Port)
            .ToList();
    }

    private static ConntrackFlowRecord Record(ConntrackFlow f, IReadOnlyDictionary<IPAddress, string> names, ulong nowNs)
    {
        // The container end: DNAT flows go to it (reply source), masquerade flows come from it (original source).
        string? container = names.TryGetValue(f.Reply.Source, out var a) ? a : names.TryGetValue(f.Original.Source, out var b) ? b : null;
        long left = f.ExpiresNs > nowNs ? (long)((f.ExpiresNs - nowNs) / 1_000_000_000UL) : 0;
        return new ConntrackFlowRecord(Names.Proto(f.Proto), Names.Of(f.State),
            f.Original.Source.ToString(), f.Original.SourcePort, f.Original.Destination.ToString(), f.Original.DestinationPort,
            f.Reply.Source.ToString(), f.Reply.SourcePort, f.Reply.Destination.ToString(), f.Reply.DestinationPort,
            f.Translation, container, f.MappingId, left,
            f.OriginalCounters.Packets, f.OriginalCounters.Bytes, f.ReplyCounters.Packets, f.ReplyCounters.Bytes,
            (f.Flags & CtFlags.SeenReply) != 0);
    }

    /// <summary>An event as the monitor streams it, with the interface named (looked up again when new).</summary>
    public MonitorEvent Describe(in DataPathEvent e)
    {
        var type = (EventType)e.Type;
        string reason = type == EventType.Drop ? Names.Of((DropReason)e.Reason) : e.Reason switch { 7 => "redirect", 0 => "pass", _ => e.Reason.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new MonitorEvent(e.TsNs / 1e9, type == EventType.Drop ? "drop" : "trace", reason, Names.Of((EventProg)e.Prog),
            InterfaceName((int)e.Ifindex), (int)e.Ifindex, Names.Proto(e.Proto),
            e.Source.ToString(), NetOrder.Port(e.SPortBe), e.Destination.ToString(), NetOrder.Port(e.DPortBe), (int)e.Len);
    }

    public string InterfaceName(int ifindex)
    {
        lock (_linkGate)
        {
            if (_linkNames.TryGetValue(ifindex, out var name)) return name;
            try
            {
                _linkNames = _links.ListLinks().ToDictionary(l => l.Index, l => l.Name);
            }
            catch (InteropException)
            {
            }
            return _linkNames.TryGetValue(ifindex, out name) ? name : $"if{ifindex}";
        }
    }

    public Task<DaemonInfo> InfoAsync(CancellationToken ct) => DaemonInfoBuilder.BuildAsync(this, _containers, _ns, _links, ct);

    public void Dispose()
    {
        Monitor.Dispose();
        _links.Dispose();
        _ns.Dispose();
    }
}
