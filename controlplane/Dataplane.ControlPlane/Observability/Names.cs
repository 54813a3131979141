using System.Text;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.ControlPlane.Observability;

/// <summary>The words metrics, listings and events use for the data path's enums (snake_case, as
/// Prometheus labels and conntrack -L spell them), computed once.</summary>
public static class Names
{
    private static readonly Dictionary<DropReason, string> Reasons = Enum.GetValues<DropReason>().ToDictionary(r => r, r => Snake(r.ToString()));

    private static readonly string[,,][] Ct = BuildCt();

    public static string Of(DropReason reason) => Reasons.TryGetValue(reason, out var n) ? n : ((int)reason).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Of(ForwardPath path) => path switch
    {
        ForwardPath.MasqReply => "masquerade_reply",
        _ => Snake(path.ToString()),
    };

    /// <summary>TCP states as conntrack -L prints them (ESTABLISHED, TIME_WAIT); UDP/ICMP: UNREPLIED or REPLIED.</summary>
    public static string Of(CtState state) => Snake(state.ToString()).ToUpperInvariant();

    public static string Proto(byte proto) => proto switch
    {
        DataPathAbi.ProtoTcp => "tcp",
        DataPathAbi.ProtoUdp => "udp",
        DataPathAbi.ProtoIcmp => "icmp",
        DataPathAbi.ProtoIcmpV6 => "icmpv6",
        _ => proto.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string Of(EventProg prog) => prog switch
    {
        EventProg.UplinkIn => "dp_uplink_in",
        EventProg.VethIn => "dp_veth_in",
        EventProg.Xdp => "dp_xdp_uplink",
        _ => "unknown",
    };

    /// <summary>Labels {family, proto, state} of dataplane_conntrack_entries; family 0 ipv4, 1 ipv6; protoIndex
    /// 0 tcp, 1 udp, 2 icmp (ICMPv6 on ipv6). The same array every time (metrics track series by reference).</summary>
    internal static string[] CtLabels(int family, int protoIndex, int state) => Ct[family, protoIndex, state];

    private static string[,,][] BuildCt()
    {
        var table = new string[2, 3, 16][];
        string[] families = ["ipv4", "ipv6"], protos = ["tcp", "udp", "icmp"];
        for (int f = 0; f < 2; f++)
            for (int p = 0; p < 3; p++)
                for (int s = 0; s < 16; s++)
                    table[f, p, s] = [families[f], protos[p], Enum.IsDefined((CtState)s) ? Snake(((CtState)s).ToString()) : s.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        return table;
    }

    private static string Snake(string pascal)
    {
        var b = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0) b.Append('_');
            b.Append(char.ToLowerInvariant(pascal[i]));
        }
        return b.ToString();
    }
}
