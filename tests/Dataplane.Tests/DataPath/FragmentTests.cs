using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>IPv4 fragments of translated datagrams: the first fragment's ports go to dp_frag, later fragments
/// (no L4 header) get the same translation of their IPv4 header from the flow; a later fragment without
/// state passes to the host on the uplink and is dropped (counted) leaving a container.</summary>
public sealed class FragmentTests : DataPathTestBase
{
    private const ushort MoreFragments = 0x2000;
    private const ushort Offset185 = 185; // 1480 bytes in, the second fragment of a 1500-MTU datagram
    private const ushort Id = 0x4242;

    private readonly FibNamespace _ns = new();

    private protected override (ushort Min, ushort Max) SnatRange => (62000, 62000);
    private protected override void DisposeMore() => _ns.Dispose();

    private static Ip Wire(string src, string dst, ushort frag, ushort id = Id) => new(src, dst, FragField: frag, Id: id);
    private static Ip Into(string src, string ctr, ushort frag) => IntoContainer(src, ctr) with { FragField = frag, Id = Id };
    private static Ip ToRouter(string src, string dst, ushort frag) => new(src, dst, 63, FragField: frag, Id: Id, EthDst: FibNamespace.RouterMac, EthSrc: FibNamespace.UplinkMac);

    private static byte[] Later(Ip ip, ushort offset = Offset185, bool more = false) => Raw(ip with { FragField = (ushort)(offset | (more ? MoreFragments : 0)) }, ProtoUdp, 40);

    [PrivilegedFact]
    public void UplinkIn_FragmentedUdpToPublishedPort_EveryFragmentTranslated()
    {
        var first = Uplink(Udp(Wire(Client, Host, MoreFragments), 5000, DnsPort, payload: 64));
        AssertTranslated(first, Udp(Into(Client, C2, MoreFragments), 5000, 53, payload: 64));

        var middle = Uplink(Later(Wire(Client, Host, 0), 9, more: true));
        AssertTranslated(middle, Later(Into(Client, C2, 0), 9, more: true));
        var last = Uplink(Later(Wire(Client, Host, 0)));
        AssertTranslated(last, Later(Into(Client, C2, 0)));

        Assert.True(O.TryLookup(DataPathAbi.MapFrag, FragKeyOf(Client, Host, Id, ProtoUdp), out FragValue f));
        Assert.Equal((PortBe(5000), PortBe(DnsPort)), (f.SPortBe, f.DPortBe));
        Assert.True(f.ExpiresNs <= ConntrackEntry.MonotonicNowNs() + (ulong)DataPathAbi.FragLifetimeSec * 1_000_000_000);
        Assert.Equal(3UL, O.Counter(DataPathAbi.MapMappingStats, DnsId).Packets);
        Assert.True(O.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(Client, Host, 5000, DnsPort, ProtoUdp), out CtValue ct));
        Assert.Equal(3UL, ct.Packets);
    }

    [PrivilegedFact]
    public void UplinkIn_LaterFragmentOfAnotherDatagram_PassesUntouchedToTheHost()
    {
        Uplink(Udp(Wire(Client, Host, MoreFragments), 5000, DnsPort, payload: 64));

        foreach (var other in new[] { Later(Wire(Client, Host, 0, id: (ushort)(Id + 1))), Later(Wire(Client, Host2, 0)), Raw(Wire(Client, Host, Offset185), ProtoTcp, 40) })
            AssertUntouched(Uplink(other), other);
        Assert.Equal(0UL, O.Drops(DropReason.FragNoState).Packets);
    }

    [PrivilegedFact]
    public void UplinkIn_LaterFragmentBeforeItsFirst_PassesUntouchedAndCreatesNothing()
    {
        var later = Later(Wire(Client, Host, 0));
        AssertUntouched(Uplink(later), later);
        Assert.Empty(O.Keys<FragKey>(DataPathAbi.MapFrag));
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void UplinkIn_ExpiredFragmentState_NotUsed()
    {
        Uplink(Udp(Wire(Client, Host, MoreFragments), 5000, DnsPort, payload: 64));
        var key = FragKeyOf(Client, Host, Id, ProtoUdp);
        Assert.True(O.TryLookup(DataPathAbi.MapFrag, key, out FragValue f));
        O.Update(DataPathAbi.MapFrag, key, f with { ExpiresNs = ConntrackEntry.MonotonicNowNs() - 1 });

        var later = Later(Wire(Client, Host, 0));
        AssertUntouched(Uplink(later), later);
    }

    [PrivilegedFact]
    public void UplinkIn_FragmentedReplyOfMasqueradedFlows_EveryFragmentRestored()
    {
        FlowSeeder.Masqueraded(O, C3, 5555, Remote, 53, Host, 61000, ProtoUdp);
        FlowSeeder.Masqueraded(O, C3, 0x77, Remote, 0, Host, 61001, ProtoIcmp);

        AssertTranslated(Uplink(Udp(Wire(Remote, Host, MoreFragments), 53, 61000, payload: 64)), Udp(Into(Remote, C3, MoreFragments), 53, 5555, payload: 64));
        AssertTranslated(Uplink(Later(Wire(Remote, Host, 0))), Later(Into(Remote, C3, 0)));

        var pingId = (ushort)(Id + 7);
        AssertTranslated(Uplink(IcmpEcho(Wire(Remote, Host, MoreFragments, pingId), 61001, reply: true, payload: 64)),
            IcmpEcho(Into(Remote, C3, MoreFragments) with { Id = pingId }, 0x77, reply: true, payload: 64));
        var laterEcho = Raw(Wire(Remote, Host, Offset185, pingId), ProtoIcmp, 40);
        AssertTranslated(Uplink(laterEcho), Raw(Into(Remote, C3, Offset185) with { Id = pingId }, ProtoIcmp, 40));
    }

    [PrivilegedFact]
    public void VethIn_FragmentedUdpToOutside_EveryFragmentMasqueradedToTheSamePort()
    {
        O.Update(DataPathAbi.MapIfAddr, new IfAddrKey { Ifindex = (uint)_ns.UplinkIfindex }, new IfAddrValue { AddrBe = AddrBe(Host) });

        var first = _ns.Run(() => Veth(Udp(Wire(C3, Remote, MoreFragments), 5555, 53, payload: 64)));
        AssertTranslated(first, Udp(ToRouter(Host, Remote, MoreFragments), 5555, 53, payload: 64)); // its own port: free
        var later = _ns.Run(() => Veth(Later(Wire(C3, Remote, 0))));
        AssertTranslated(later, Later(ToRouter(Host, Remote, 0)));

        // The reply comes back fragmented too.
        AssertTranslated(Uplink(Udp(Wire(Remote, Host, MoreFragments), 53, 5555, payload: 64)), Udp(Into(Remote, C3, MoreFragments), 53, 5555, payload: 64));
        AssertTranslated(Uplink(Later(Wire(Remote, Host, 0))), Later(Into(Remote, C3, 0)));
    }

    [PrivilegedFact]
    public void VethIn_LaterFragmentWithoutState_DroppedAndCounted()
    {
        var f = Later(Wire(C1, Remote, 0));
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.FragNoState).Packets);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_LaterFragmentWhoseFlowIsGone_DroppedAsFragment()
    {
        O.Update(DataPathAbi.MapIfAddr, new IfAddrKey { Ifindex = (uint)_ns.UplinkIfindex }, new IfAddrValue { AddrBe = AddrBe(Host) });
        Assert.Equal(DpNatObject.TcActRedirect, _ns.Run(() => Veth(Udp(Wire(C3, Remote, MoreFragments), 5555, 53, payload: 64))).Verdict);
        foreach (var k in O.Keys<CtKey>(DataPathAbi.MapCt)) O.Delete(DataPathAbi.MapCt, k);

        var f = Later(Wire(C3, Remote, 0));
        AssertUntouched(_ns.Run(() => Veth(f)), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.Fragment).Packets);
    }

    [PrivilegedFact]
    public void VethIn_FragmentsBetweenContainersOfOneNetwork_PassUntouchedWithoutState()
    {
        var first = Udp(Wire(C1, C2, MoreFragments), 5555, 53, payload: 64);
        var later = Later(Wire(C1, C2, 0));
        AssertUntouched(Veth(first), first);
        AssertUntouched(Veth(later), later);
        Assert.Empty(O.Keys<FragKey>(DataPathAbi.MapFrag));
    }

    [PrivilegedFact]
    public void XdpUplink_LaterFragmentOfAKnownDatagram_PassedToTcUntouched()
    {
        Uplink(Udp(Wire(Client, Host, MoreFragments), 5000, DnsPort, payload: 64));
        var later = Later(Wire(Client, Host, 0));
        AssertUntouched(O.Run(DataPathAbi.ProgXdpUplink, later), later, DpNatObject.XdpPass);
    }

    internal static unsafe FragKey FragKeyOf(string src, string dst, ushort id, byte proto)
    {
        var k = new FragKey { IdBe = (uint)System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)id), Family = (byte)Family.Inet, Proto = proto };
        k.SAddrBe[0] = AddrBe(src);
        k.DAddrBe[0] = AddrBe(dst);
        return k;
    }
}
