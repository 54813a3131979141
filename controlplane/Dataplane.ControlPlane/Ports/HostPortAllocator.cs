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
    // Who holds each port of a protocol and family, indexed by HeldKey (2 MiB of references, no hashing): one
    // address almost always, so the first is kept there and only further ones (specific addresses sharing
    // a port) in a list aside. No object per port.
    private readonly IPAddress?[] _held = new IPAddress?[HeldKeys];
    private readonly Dictionary<int, List<IPAddress>> _heldToo = [];
    // The port numbers held in any protocol, family or address: what the host is told is published.
    private readonly PortSet _heldPorts = new();
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
        var all = bindings as IReadOnlyList<PortBinding> ?? bindings.ToList();
        var result = new PublishedPort[all.Count];
        var done = new bool[all.Count];
        var fixedAt = new List<int>(all.Count);
        for (int i = 0; i < all.Count; i++)
            if (all[i].HostPorts is { IsSingle: true } port)
            {
                result[i] = new PublishedPort(all[i].EffectiveHostIp, port.Start, all[i].Container);
                fixedAt.Add(i);
            }
        lock (_lock)
        {
            var host = reserve ? _probe.Look(Wanted(all)) : HostPortView.Free;
            TakeExact(result, fixedAt, host);
            foreach (int i in fixedAt) done[i] = true;
            try
            {
                for (int i = 0; i < all.Count; i++)
                    if (!done[i])
                    {
                        result[i] = TakeFromRange(all[i], host);
                        done[i] = true;
                    }
                if (reserve) _probe.Published(_heldPorts);
                return result;
            }
            catch
            {
                for (int i = 0; i < all.Count; i++)
                    if (done[i]) Unhold(result[i].HostIp, result[i].Container.Proto, result[i].HostPort);
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
            _probe.Published(_heldPorts);
        }
    }

    public void Release(PublishedPort published) => ReleaseAll([published]);

    public void ReleaseAll(IEnumerable<PublishedPort> published)
    {
        lock (_lock)
        {
            foreach (var p in published)
                Unhold(p.HostIp, p.Container.Proto, p.HostPort);
            _probe.Published(_heldPorts);
        }
    }

    /// <summary>The distinct addresses and protocols of the bindings: a handful however many ports, so a
    /// scan of the few found so far beats hashing each binding.</summary>
    private static List<(IPAddress Address, Proto Proto)> Wanted(IReadOnlyList<PortBinding> bindings)
    {
        var wanted = new List<(IPAddress Address, Proto Proto)>();
        foreach (var b in bindings)
        {
            var (ip, proto) = (b.EffectiveHostIp, b.Container.Proto);
            bool seen = false;
            foreach (var w in wanted)
                seen |= w.Proto == proto && w.Address.Equals(ip);
            if (!seen) wanted.Add((ip, proto));
        }
        return wanted;
    }

    public bool IsHeld(IPAddress ip, Proto proto, int port)
    {
        lock (_lock)
            return Conflicts(ip, proto, port);
    }

    /// <summary>Holds the ports at <paramref name="at"/>, all of them or none.</summary>
    private void TakeExact(PublishedPort[] ports, List<int> at, HostPortView host)
    {
        int held = 0;
        try
        {
            foreach (int i in at)
            {
                var p = ports[i];
                if (Conflicts(p.HostIp, p.Container.Proto, p.HostPort))
                    throw DataplaneException.Conflict(AlreadyAllocated(p.HostIp, p.HostPort));
                Hold(p.HostIp, p.Container.Proto, p.HostPort);
                held++;
            }
            foreach (int i in at)
            {
                var p = ports[i];
                var refusal = host.Refusal(p);
                if (refusal != Interop.Errno.None)
                    throw DataplaneException.Conflict(string.Create(CultureInfo.InvariantCulture,
                        $"failed to bind host port {Endpoint(p.HostIp, p.HostPort)}/{p.Container.Proto.Name()}: {BindRefusal(refusal)}"));
            }
        }
        catch
        {
            foreach (int i in at.Take(held))
                Unhold(ports[i].HostIp, ports[i].Container.Proto, ports[i].HostPort);
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

    // Addresses of two families never conflict, so each family has its own key: PortKey * 2 + IPv6. The four
    // keys of a port number (two protocols, two families) are neighbours: port * 4 to port * 4 + 3.
    private const int HeldKeys = 1 << 18;

    private static int HeldKey(IPAddress ip, Proto proto, int port) =>
        proto.PortKey(port) << 1 | (ip.AddressFamily == AddressFamily.InterNetworkV6 ? 1 : 0);

    private bool Conflicts(IPAddress ip, Proto proto, int port)
    {
        int key = HeldKey(ip, proto, port);
        if (_held[key] is not { } first) return false;
        if (Overlap(first, ip)) return true;
        if (_heldToo.TryGetValue(key, out var more))
            foreach (var held in more)
                if (Overlap(held, ip)) return true;
        return false;
    }

    private void Hold(IPAddress ip, Proto proto, int port)
    {
        int key = HeldKey(ip, proto, port);
        _heldPorts.Add(port);
        if (_held[key] is null)
        {
            _held[key] = ip;
            return;
        }
        if (!_heldToo.TryGetValue(key, out var more)) _heldToo[key] = more = [];
        more.Add(ip);
    }

    private void Unhold(IPAddress ip, Proto proto, int port)
    {
        int key = HeldKey(ip, proto, port);
        if (_held[key] is not { } first) return;
        _heldToo.TryGetValue(key, out var more);
        if (!first.Equals(ip))
            more?.Remove(ip);
        else if (more is { Count: > 0 })
        {
            _held[key] = more[^1];
            more.RemoveAt(more.Count - 1);
        }
        else
            _held[key] = null;
        if (more is { Count: 0 }) _heldToo.Remove(key);
        if (!AnyHolds(port)) _heldPorts.Remove(port);
    }

    /// <summary>Whether any protocol or family still holds the port number: its four keys are neighbours.</summary>
    private bool AnyHolds(int port)
    {
        foreach (var holder in _held.AsSpan(HeldKey(IPAddress.Any, Proto.Tcp, port), 4))
            if (holder is not null) return true;
        return false;
    }

    private static bool Overlap(IPAddress a, IPAddress b) =>
        a.Equals(b) || (a.AddressFamily == b.AddressFamily && (IsUnspecified(a) || IsUnspecified(b)));

    private static bool IsUnspecified(IPAddress ip) => ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);

    private static string Endpoint(IPAddress ip, int port) => ip.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{port}")
        : string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}");

    private static string AlreadyAllocated(IPAddress ip, int port) => $"Bind for {Endpoint(ip, port)} failed: port is already allocated";
}
