using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>The control plane's facade against the real maps, checked by running packets.</summary>
public sealed class DataPathMapsTests : DataPathTestBase
{
    private DataPathMaps M => O.Maps;

    private static PortMapping Mapping(uint id, byte proto, ushort hostPort, string ctr, ushort ctrPort, string? host = null)
        => Mappings.Of(id, host is null ? null : IPAddress.Parse(host), proto, hostPort, IPAddress.Parse(ctr), ctrPort);

    [PrivilegedFact]
    public void AddPortMapping_NewMapping_TranslatesNewFlows()
    {
        M.AddPortMapping(Mapping(9, ProtoTcp, 7000, C3, 7));

        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40000, 7000, Syn)), Tcp(IntoContainer(Client, C3), 40000, 7, Syn));
        Assert.Equal(1UL, M.MappingCounters(9).Packets);
    }

    [PrivilegedFact]
    public void AddPortMapping_HostPortTaken_ThrowsAndKeepsTheFirst()
    {
        Assert.ThrowsAny<Exception>(() => M.AddPortMapping(Mapping(9, ProtoTcp, WebPort, C3, 7)));
        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn)), Tcp(IntoContainer(Client, C1), 40000, 80, Syn));
    }

    [PrivilegedFact]
    public void RemovePortMapping_FlushesOwnedFlowsOnlyAndStopsNewOnes()
    {
        Uplink(Tcp(new Ip(Client, Host), 40001, WebPort, Syn));
        Uplink(Tcp(new Ip(Client, Host), 40002, WebPort, Syn));
        Uplink(Udp(new Ip(Client, Host), 40003, DnsPort));

        var removed = M.RemovePortMapping(Mapping(WebId, ProtoTcp, WebPort, C1, 80));

        Assert.Equal(4, removed);
        Assert.Equal(2, CtEntries); // the DNS flow stays
        var syn = Tcp(new Ip(Client, Host), 40004, WebPort, Syn);
        AssertUntouched(Uplink(syn), syn);
    }

    /// <summary>A port on every address is written through the mmapped array (DP_PORTMAP_ANY_SLOT: UDP ports from
    /// 65,536 on), as the kernel's own lookup then reads it; unpublishing sets its id to 0 and new flows stop.</summary>
    [PrivilegedFact]
    public void AddPortMapping_EveryAddress_InItsArraySlotAsTheKernelReadsIt_RemoveClearsIt()
    {
        const uint slot = 1 << 16 | 7001;
        var m = Mapping(9, ProtoUdp, 7001, C3, 7);

        M.AddPortMapping(m);

        Assert.True(O.TryLookup<uint, PortMapValue>(DataPathAbi.MapPortmapAny, slot, out var v));
        Assert.Equal((9u, NetOrder.AddrBe(IPAddress.Parse(C3)), NetOrder.PortBe(7)), (v.MappingId, v.CtrAddrBe, v.CtrPortBe));
        Assert.False(O.TryLookup<PortMapKey, PortMapValue>(DataPathAbi.MapPortmap, DataPathMaps.KeyOf(m.Port), out _));
        AssertTranslated(Uplink(Udp(new Ip(Client, Host), 40000, 7001)), Udp(IntoContainer(Client, C3), 40000, 7));

        M.RemovePortMapping(m);

        Assert.True(O.TryLookup<uint, PortMapValue>(DataPathAbi.MapPortmapAny, slot, out v));
        Assert.Equal(0u, v.MappingId);
        Assert.DoesNotContain(M.PortMappings(), p => p.Port.HostPort == 7001);
        var next = Udp(new Ip(Client, Host), 40001, 7001);
        AssertUntouched(Uplink(next), next);
    }

    [PrivilegedFact]
    public void RemapUdpPort_ExistingFlowFollowsNewMapping_NoStaleConntrack()
    {
        var old = Mapping(DnsId, ProtoUdp, DnsPort, C2, 53);
        AssertTranslated(Uplink(Udp(new Ip(Client, Host), 5000, DnsPort)), Udp(IntoContainer(Client, C2), 5000, 53));

        M.RemovePortMapping(old);
        M.AddPortMapping(old with { Id = 12, ContainerAddress = IPAddress.Parse(C3) });

        AssertTranslated(Uplink(Udp(new Ip(Client, Host), 5000, DnsPort)), Udp(IntoContainer(Client, C3), 5000, 53));
    }

    [PrivilegedFact]
    public void SweepConntrack_ExpiredFlows_RemovedLiveOnesKept()
    {
        var o = O;
        FlowSeeder.Masqueraded(o, C3, 5555, Remote, 443, Host, 61000, ProtoTcp, expiresInNs: 0);
        FlowSeeder.Masqueraded(o, C3, 5556, Remote, 443, Host, 61001, ProtoTcp, expiresInNs: 3_600_000_000_000);

        var removed = M.SweepConntrack(ConntrackEntry.MonotonicNowNs() + 1_000_000);

        Assert.Equal(2, removed);
        Assert.Equal(2, CtEntries);
        Assert.True(o.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C3, Remote, 5556, 443, ProtoTcp), out CtValue live));
        Assert.Equal(NetOrder.PortBe(61001), live.NatSPortBe);
        Assert.False(o.TryLookup(DataPathAbi.MapCt, UplinkTests.Key(C3, Remote, 5555, 443, ProtoTcp), out CtValue _));
    }

    /// <summary>dataplane_masquerade_ports_in_use: one per masqueraded flow (its original entry), not per entry,
    /// and not the published ports' flows.</summary>
    [PrivilegedFact]
    public void ConntrackCounts_MasqueradedFlows_CountedOncePerFlow()
    {
        FlowSeeder.Masqueraded(O, C3, 5555, Remote, 443, Host, 5555, ProtoTcp);
        FlowSeeder.Masqueraded(O, C3b, 5555, Remote, 443, Host, 61000, ProtoTcp);
        Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn)); // a published port's flow: no source translated

        var (total, _, masqueraded) = M.ConntrackCounts();

        Assert.Equal((6, 2), (total, masqueraded));
    }

    [PrivilegedFact]
    public void Drops_AfterDroppedPacket_ReportedByReason()
    {
        Uplink(Tcp(new Ip(Client, C1), 40000, 80, Syn));

        var drops = M.Drops();

        Assert.Equal(1UL, drops[DropReason.DirectRouted].Packets);
        Assert.Equal(0UL, drops[DropReason.CtFull].Packets);
    }

    [PrivilegedFact]
    public void AddPortMapping_HostPortInsideMasqueradeRange_Refused()
    {
        M.Configure(0, 40000, 40100);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M.AddPortMapping(Mapping(9, ProtoTcp, 40050, C3, 7)));
        Assert.Contains("40000-40100", e.Message);
        Assert.Equal((ushort)40000, M.SnatRange().Min);
    }

    [PrivilegedFact]
    public void Configure_EmptySnatRange_Refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => M.Configure(0, 62000, 61000));
    // ---- the batch path ----

    /// <summary>count mappings from port firstPort up, ids from 100 up, into C3 port 7.</summary>
    private static List<PortMapping> Batch(int count, ushort firstPort = 10000, string? host = null)
        => Enumerable.Range(0, count).Select(i => Mapping((uint)(100 + i), ProtoTcp, (ushort)(firstPort + i), C3, 7, host)).ToList();

    private List<(PortMapKey Key, PortMapValue Value)> Portmap()
        => O.Ports.Entries().Select(e => (e.Key, e.Value))
            .OrderBy(e => e.Key.AddrBe).ThenBy(e => e.Key.PortBe).ThenBy(e => e.Key.Proto).ToList();

    [PrivilegedFact]
    public void AddPortMappings_TenThousandInOneCall_AllReadableAndTranslating()
    {
        var batch = Batch(10_000);

        M.AddPortMappings(batch);

        Assert.Equal(10_004, O.Ports.Keys().Count);
        foreach (var m in batch)
        {
            Assert.True(O.Ports.TryLookup(DataPathMaps.KeyOf(m.Port), out var v), $"port {m.Port.HostPort}");
            Assert.Equal(m.Id, v.MappingId);
            Assert.Equal(NetOrder.AddrBe(m.ContainerAddress), v.CtrAddrBe);
            Assert.Equal(NetOrder.PortBe((ushort)m.Port.Container.Port), v.CtrPortBe);
        }
        AssertTranslated(Uplink(Tcp(new Ip(Client, Host), 40000, 19999, Syn)), Tcp(IntoContainer(Client, C3), 40000, 7, Syn));
    }

    [PrivilegedTheory]
    [InlineData(3)]      // checked key by key
    [InlineData(2_000)]  // checked in one walk of the map
    public void AddPortMappings_OneHostPortAlreadyPublished_RefusedNamingItMapUnchanged(int count)
    {
        var batch = Batch(count);
        batch[count / 2] = batch[count / 2] with { Port = batch[count / 2].Port with { HostPort = WebPort } };
        var before = Portmap();

        var e = Assert.Throws<InteropException>(() => M.AddPortMappings(batch));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Contains($"host port {WebPort}/tcp on every host address is already published (mapping {WebId})", e.Message);
        Assert.Equal(before, Portmap());
    }

    [PrivilegedFact]
    public void AddPortMapping_HostPortTaken_ErrorNamesThePort()
    {
        var e = Assert.Throws<InteropException>(() => M.AddPortMapping(Mapping(9, ProtoTcp, PinnedPort, C3, 7, Host)));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Contains($"host port {PinnedPort}/tcp on {Host} is already published (mapping {PinnedId})", e.Message);
    }

    [PrivilegedFact]
    public void AddPortMappings_SameHostPortTwiceInBatch_RefusedBeforeAnyChange()
    {
        var batch = Batch(5);
        batch.Add(Mapping(900, ProtoTcp, 10002, C1, 80));
        var before = Portmap();

        var e = Assert.Throws<ArgumentException>(() => M.AddPortMappings(batch));

        Assert.Contains("host port 10002/tcp on every host address appears twice in the batch (mappings 102 and 900)", e.Message);
        Assert.Equal(before, Portmap());
    }

    [PrivilegedFact]
    public void AddPortMappings_SamePortOtherProtocolOrAddress_AreDistinct()
    {
        M.AddPortMappings([
            Mapping(20, ProtoTcp, 7000, C3, 7),
            Mapping(21, ProtoUdp, 7000, C3, 7),
            Mapping(22, ProtoTcp, 7000, C3, 8, Host2),
        ]);
        Assert.Equal(7, Portmap().Count);
    }

    [PrivilegedFact]
    public void AddPortMappings_InvalidMappingInBatch_RefusedWithTheSingleMessageBeforeAnyChange()
    {
        M.Configure(0, 40000, 40100);
        var batch = Batch(5);
        batch.Add(Mapping(30, ProtoTcp, 40050, C3, 7));
        var before = Portmap();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => M.AddPortMappings(batch));

        Assert.Contains("host port 40050 lies in the masquerade port range 40000-40100", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => M.AddPortMappings([Mapping(0, ProtoTcp, 7000, C3, 7)]));
        Assert.Equal(before, Portmap());
    }

    [PrivilegedFact]
    public void AddPortMappings_MapFillsPartWay_WhatWasWrittenIsRemoved()
    {
        // One more one-address port than dp_portmap (DP_PORTMAP_MAX, 16,384) has room for beside TestWorld's:
        // the kernel writes up to the limit and refuses the next (E2BIG).
        int seeded = O.Keys<PortMapKey>(DataPathAbi.MapPortmap).Count;
        Assert.InRange(seeded, 1, 4);
        var batch = Batch(16_384 - seeded + 1, firstPort: 1, host: Host2)
            .Select((m, i) => m with { Id = (uint)(1 + i), Port = m.Port with { HostPort = 1 + i } }).ToList();
        var before = Portmap();

        var e = Assert.Throws<InteropException>(() => M.AddPortMappings(batch));

        Assert.Equal(Errno.E2BIG, e.Errno);
        Assert.Contains("nothing was published", e.Message);
        Assert.Equal(before, Portmap());
    }
}
