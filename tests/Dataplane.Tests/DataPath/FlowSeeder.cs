using Dataplane.ControlPlane.DataPath;
using static Dataplane.Tests.DataPath.Frames;

namespace Dataplane.Tests.DataPath;

/// <summary>Seeds conntrack pairs exactly as the BPF side creates them.</summary>
internal static class FlowSeeder
{
    /// <summary>Both entries of a masqueraded flow ctr:sport -> dst:dport
    /// leaving as host:hostPort (ICMP echo: sport is the echo id, dport 0).</summary>
    public static void Masqueraded(DpNatObject o, string ctr, ushort sport, string dst, ushort dport, string host, ushort hostPort,
        byte proto, ulong expiresInNs = 60_000_000_000)
    {
        var now = ConntrackEntry.MonotonicNowNs();
        var fwd = new CtValue
        {
            ExpiresNs = now + expiresInNs, LastSeenNs = now,
            State = (byte)(proto == ProtoTcp ? CtState.SynSent : CtState.Unreplied), Flags = (byte)CtFlags.Snat,
            NatSAddrBe = AddrBe(host), NatDAddrBe = AddrBe(dst), NatSPortBe = PortBe(hostPort), NatDPortBe = PortBe(dport),
        };
        var rev = fwd with
        {
            Flags = (byte)(CtFlags.Snat | CtFlags.Reply), NatSAddrBe = AddrBe(dst), NatDAddrBe = AddrBe(ctr),
            NatSPortBe = PortBe(dport), NatDPortBe = PortBe(sport),
        };
        var orig = UplinkTests.Key(ctr, dst, sport, dport, proto);
        o.Update(DataPathAbi.MapCt, orig, fwd);
        o.Update(DataPathAbi.MapCt, ConntrackEntry.PeerKey(orig, fwd), rev);
    }
}
