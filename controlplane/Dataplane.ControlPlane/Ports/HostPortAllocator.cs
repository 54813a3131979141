using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// Hands out host ports so that no {address, proto, port} is ever given twice. Like Docker, a port
/// bound on the unspecified address (0.0.0.0 or ::) conflicts with the same port on every specific
/// address of that family, and vice versa. Dynamic ports come round-robin from a configurable range.
/// </summary>
public sealed class HostPortAllocator(PortRange dynamicRange, IHostPortProbe? probe = null)
{
    public static readonly PortRange DefaultDynamicRange = new(49000, 49900);

    private readonly IHostPortProbe _probe = probe ?? NoHostPortProbe.Instance;
    private readonly Lock _lock = new();
    private readonly Dictionary<(Proto, int), List<IPAddress>> _held = [];
    private readonly Dictionary<Proto, int> _cursor = [];

    public PortRange DynamicRange { get; } = dynamicRange;

    /// <summary>Allocates every binding of one container, or none of them (rolls back on the first error).</summary>
    public IReadOnlyList<PublishedPort> AllocateAll(IEnumerable<PortBinding> bindings)
    {
        var done = new List<PublishedPort>();
        try
        {
            foreach (var binding in bindings)
                done.Add(Allocate(binding));
            return done;
        }
        catch
        {
            foreach (var published in done)
                Release(published);
            throw;
        }
    }

    public PublishedPort Allocate(PortBinding binding)
    {
        var ip = binding.EffectiveHostIp;
        var proto = binding.Container.Proto;
        lock (_lock)
        {
            int port = binding.HostPorts switch
            {
                { IsSingle: true } single => TakeExact(ip, proto, single.Start),
                { } range => TakeFromRange(ip, proto, range, round: false),
                null => TakeFromRange(ip, proto, DynamicRange, round: true),
            };
            return new PublishedPort(ip, port, binding.Container);
        }
    }

    /// <summary>Marks a port as held without asking the probe (a restarted daemon adopting its state).</summary>
    public void Adopt(PublishedPort published)
    {
        lock (_lock)
        {
            if (Conflicts(published.HostIp, published.Container.Proto, published.HostPort))
                throw DataplaneException.Conflict(AlreadyAllocated(published.HostIp, published.HostPort));
            Hold(published.HostIp, published.Container.Proto, published.HostPort);
        }
    }

    public void Release(PublishedPort published)
    {
        lock (_lock)
        {
            var key = (published.Container.Proto, published.HostPort);
            if (_held.TryGetValue(key, out var ips) && ips.Remove(published.HostIp))
            {
                if (ips.Count == 0)
                    _held.Remove(key);
                _probe.Release(published.HostIp, published.Container.Proto, published.HostPort);
            }
        }
    }

    public bool IsHeld(IPAddress ip, Proto proto, int port)
    {
        lock (_lock)
            return Conflicts(ip, proto, port);
    }

    private int TakeExact(IPAddress ip, Proto proto, int port)
    {
        if (Conflicts(ip, proto, port))
            throw DataplaneException.Conflict(AlreadyAllocated(ip, port));
        if (!_probe.TryReserve(ip, proto, port))
            throw DataplaneException.Conflict(string.Create(CultureInfo.InvariantCulture,
                $"failed to bind host port {Endpoint(ip, port)}/{proto.Name()}: address already in use"));
        Hold(ip, proto, port);
        return port;
    }

    private int TakeFromRange(IPAddress ip, Proto proto, PortRange range, bool round)
    {
        int start = round && _cursor.TryGetValue(proto, out var next) && range.Contains(next) ? next : range.Start;
        for (int i = 0; i < range.Count; i++)
        {
            int port = range.Start + ((start - range.Start + i) % range.Count);
            if (Conflicts(ip, proto, port) || !_probe.TryReserve(ip, proto, port))
                continue;
            Hold(ip, proto, port);
            if (round)
                _cursor[proto] = port == range.End ? range.Start : port + 1;
            return port;
        }
        throw DataplaneException.Conflict("all ports are allocated");
    }

    private bool Conflicts(IPAddress ip, Proto proto, int port) =>
        _held.TryGetValue((proto, port), out var ips) && ips.Any(held => Overlap(held, ip));

    private void Hold(IPAddress ip, Proto proto, int port)
    {
        if (!_held.TryGetValue((proto, port), out var ips))
            _held[(proto, port)] = ips = [];
        ips.Add(ip);
    }

    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || (a.AddressFamily == b.AddressFamily && (IsUnspecified(a) || IsUnspecified(b)));

    private static bool IsUnspecified(IPAddress ip) => ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);

    private static string Endpoint(IPAddress ip, int port) => ip.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{port}")
        : string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}");

    private static string AlreadyAllocated(IPAddress ip, int port) => $"Bind for {Endpoint(ip, port)} failed: port is already allocated";
}
