using System.Globalization;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// Conntrack lifetimes in seconds, nf_conntrack's defaults unless set; written into dp_config, so the
/// data path applies them to every packet from then on (dp_ct_timeout in bpf/lib/dp_ct.h).
/// </summary>
public sealed record ConntrackTimeouts
{
    public uint TcpSynSent { get; init; } = 120;
    public uint TcpSynRecv { get; init; } = 60;
    public uint TcpEstablished { get; init; } = 432_000; // 5 days
    public uint TcpFinWait { get; init; } = 120;
    public uint TcpCloseWait { get; init; } = 60;
    public uint TcpLastAck { get; init; } = 30;
    public uint TcpTimeWait { get; init; } = 120;
    public uint TcpClose { get; init; } = 10;
    public uint Udp { get; init; } = 30;
    public uint UdpReplied { get; init; } = 120;
    public uint Icmp { get; init; } = 30;

    /// <summary>The names `--conntrack-timeouts` takes (tcp-established=3600,udp=60), with their setters.</summary>
    private static readonly Dictionary<string, Func<ConntrackTimeouts, uint, ConntrackTimeouts>> Setters = new()
    {
        ["tcp-syn-sent"] = (t, v) => t with { TcpSynSent = v },
        ["tcp-syn-recv"] = (t, v) => t with { TcpSynRecv = v },
        ["tcp-established"] = (t, v) => t with { TcpEstablished = v },
        ["tcp-fin-wait"] = (t, v) => t with { TcpFinWait = v },
        ["tcp-close-wait"] = (t, v) => t with { TcpCloseWait = v },
        ["tcp-last-ack"] = (t, v) => t with { TcpLastAck = v },
        ["tcp-time-wait"] = (t, v) => t with { TcpTimeWait = v },
        ["tcp-close"] = (t, v) => t with { TcpClose = v },
        ["udp"] = (t, v) => t with { Udp = v },
        ["udp-replied"] = (t, v) => t with { UdpReplied = v },
        ["icmp"] = (t, v) => t with { Icmp = v },
    };

    /// <summary>NAME=SECONDS pairs, comma-separated, over the defaults; an unknown name or a bad number is an error naming it.</summary>
    public static ConntrackTimeouts Parse(string text)
    {
        var t = new ConntrackTimeouts();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !Setters.TryGetValue(parts[0], out var set))
                throw DataplaneException.Invalid($"invalid conntrack timeout '{pair}': expected NAME=SECONDS with NAME one of {string.Join(", ", Setters.Keys)}");
            if (!uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds == 0)
                throw DataplaneException.Invalid($"invalid conntrack timeout '{pair}': seconds must be a positive whole number");
            t = set(t, seconds);
        }
        return t;
    }

    /// <summary>dp_config.ct_timeout: indexed by enum dp_ct_state for TCP and UDP, DP_CT_TIMEOUT_CLASS_ICMP for ICMP.</summary>
    public uint[] ByClass() =>
        [0, TcpSynSent, TcpSynRecv, TcpEstablished, TcpFinWait, TcpCloseWait, TcpLastAck, TcpTimeWait, TcpClose, Udp, UdpReplied, Icmp];
}
