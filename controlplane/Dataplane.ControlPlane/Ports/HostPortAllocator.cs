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

    /// <summary>
    /// Allocates every binding of one container, or none of them, against one look at the host's
    /// sockets (one probe call for a 10,000-port range). Fixed host ports are taken together; ranges and
    /// dynamic ports follow. With <paramref name="reserve"/> off the host's sockets are not asked (the
    /// runtime that owns the container holds its ports itself): only conflicts with other publications
    /// are refused.
    /// </summary>
    public IReadOnlyList<PublishedPort> AllocateAll(IEnumerable<PortBinding> bindings, bool reserve = true)
    {
        var all = bindings.ToList();
        var result = new PublishedPort[all.Count];
        var fixedAt = Enumerable.Range(0, all.Count).Where(i => all[i].HostPorts is { IsSingle: true }).ToList();
        lock (_lock)
        {
            var host = reserve ? _probe.Look(all.Select(b => (b.EffectiveHostIp, b.Container.Proto)).Distinct().ToList()) : HostPortView.Free;
            var fixedPorts = fixedAt.Select(i => new PublishedPort(all[i].EffectiveHostIp, all[i].HostPorts!.Value.Start, all[i].Container)).ToList();
            TakeExact(fixedPorts, host);
            for (int k = 0; k < fixedAt.Count; k++)
                result[fixedAt[k]] = fixedPorts[k];
            try
            {
                for (int i = 0; i < all.Count; i++)
                    result[i] ??= TakeFromRange(all[i], host);
                if (reserve) _probe.Published(HeldPorts());
                return result;
            }
            catch
            {
                foreach (var published in result.Where(p => p is not null))
                    Unhold(published.HostIp, published.Container.Proto, published.HostPort);
                throw;
            }
        }
    }

    public PublishedPort Allocate(PortBinding binding) => AllocateAll([binding])[0];

    /// <summary>
    /// Marks ports as held that were published before a restart. A port some process took meanwhile
    /// stays ours all the same (the data path translates before any socket sees the packet).
    /// </summary>
    public void Adopt(IReadOnlyList<PublishedPort> ports)
    {
        lock (_lock)
        {
            foreach (var p in ports)
                if (Conflicts(p.HostIp, p.Container.Proto, p.HostPort))
                    throw DataplaneException.Conflict(AlreadyAllocated(p.HostIp, p.HostPort));
            foreach (var p in ports)
                Hold(p.HostIp, p.Container.Proto, p.HostPort);
            _probe.Published(HeldPorts());
        }
    }

    public void Release(PublishedPort published) => ReleaseAll([published]);

    public void ReleaseAll(IEnumerable<PublishedPort> published)
    {
        lock (_lock)
        {
            foreach (var p in published)
                Unhold(p.HostIp, p.Container.Proto, p.HostPort);
            _probe.Published(HeldPorts());
        }
    }

    private List<int> HeldPorts() => [.. _held.Keys.Select(k => k.Item2).Distinct()];

    public bool IsHeld(IPAddress ip, Proto proto, int port)
    {
        lock (_lock)
            return Conflicts(ip, proto, port);
    }

    private void TakeExact(IReadOnlyList<PublishedPort> ports, HostPortView host)
    {
        var held = new List<PublishedPort>();
        try
        {
            foreach (var p in ports)
            {
                if (Conflicts(p.HostIp, p.Container.Proto, p.HostPort))
                    throw DataplaneException.Conflict(AlreadyAllocated(p.HostIp, p.HostPort));
                Hold(p.HostIp, p.Container.Proto, p.HostPort);
                held.Add(p);
            }
            foreach (var p in ports)
            {
                var refusal = host.Refusal(p);
                if (refusal != Interop.Errno.None)
                    throw DataplaneException.Conflict(string.Create(CultureInfo.InvariantCulture,
                        $"failed to bind host port {Endpoint(p.HostIp, p.HostPort)}/{p.Container.Proto.Name()}: {BindRefusal(refusal)}"));
            }
        }
        catch
        {
            foreach (var p in held)
                Unhold(p.HostIp, p.Container.Proto, p.HostPort);
            throw;
        }
    }

    private PublishedPort TakeFromRange(PortBinding binding, HostPortView host)
    {
        var (ip, proto) = (binding.EffectiveHostIp, binding.Container.Proto);
        bool round = binding.HostPorts is null;
        var range = binding.HostPorts ?? DynamicRange;
        int start = round && _cursor.TryGetValue(proto, out var next) && range.Contains(next) ? next : range.Start;
        for (int i = 0; i < range.Count; i++)
        {
            var candidate = new PublishedPort(ip, range.Start + ((start - range.Start + i) % range.Count), binding.Container);
            if (Conflicts(ip, proto, candidate.HostPort))
                continue;
            var refusal = host.Refusal(candidate);
            if (refusal == Interop.Errno.EADDRNOTAVAIL) // no port of that address will do
                throw DataplaneException.Conflict(string.Create(CultureInfo.InvariantCulture,
                    $"failed to bind host port {Endpoint(ip, candidate.HostPort)}/{proto.Name()}: {BindRefusal(refusal)}"));
            if (refusal != Interop.Errno.None)
                continue;
            Hold(ip, proto, candidate.HostPort);
            if (round)
                _cursor[proto] = candidate.HostPort == range.End ? range.Start : candidate.HostPort + 1;
            return candidate;
        }
        throw DataplaneException.Conflict("all ports are allocated");
    }

    /// <summary>The kernel's words for a refused bind, as Go (and so Docker) prints them.</summary>
    private static string BindRefusal(Interop.Errno errno) => errno switch
    {
        Interop.Errno.EADDRNOTAVAIL => "cannot assign requested address",
        Interop.Errno.EACCES => "permission denied",
        _ => "address already in use",
    };

    private bool Conflicts(IPAddress ip, Proto proto, int port) =>
        _held.TryGetValue((proto, port), out var ips) && ips.Any(held => Overlap(held, ip));

    private void Hold(IPAddress ip, Proto proto, int port)
    {
        if (!_held.TryGetValue((proto, port), out var ips))
            _held[(proto, port)] = ips = [];
        ips.Add(ip);
    }

    private void Unhold(IPAddress ip, Proto proto, int port)
    {
        if (_held.TryGetValue((proto, port), out var ips) && ips.Remove(ip) && ips.Count == 0)
            _held.Remove((proto, port));
    }

    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || (a.AddressFamily == b.AddressFamily && (IsUnspecified(a) || IsUnspecified(b)));

    private static bool IsUnspecified(IPAddress ip) => ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);

    private static string Endpoint(IPAddress ip, int port) => ip.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{port}")
        : string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}");

    private static string AlreadyAllocated(IPAddress ip, int port) => $"Bind for {Endpoint(ip, port)} failed: port is already allocated";
}
