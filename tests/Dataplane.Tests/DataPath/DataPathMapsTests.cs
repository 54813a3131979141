using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>The control plane's facade against the real maps, checked by running packets.</summary>
public sealed class DataPathMapsTests : DataPathTestBase
{
    private DataPathMaps M => O.Maps;

    private static PortMapping Mapping(uint id, byte proto, ushort hostPort, string ctr, ushort ctrPort, string? host = null)
        => new(id, host is null ? null : IPAddress.Parse(host), proto, hostPort, IPAddress.Parse(ctr), ctrPort);

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
    public void SweepConntrack_ExpiredFlows_RemovedWithTheirReservationLiveOnesKept()
    {
        var o = O;
        FlowSeeder.Masqueraded(o, C3, 5555, Remote, 443, Host, 61000, ProtoTcp, expiresInNs: 0);
        FlowSeeder.Masqueraded(o, C3, 5556, Remote, 443, Host, 61001, ProtoTcp, expiresInNs: 3_600_000_000_000);

        var removed = M.SweepConntrack(ConntrackEntry.MonotonicNowNs() + 1_000_000);

        Assert.Equal(2, removed);
        Assert.Equal(2, CtEntries);
        var reservation = Assert.Single(o.Keys<SnatKey>(DataPathAbi.MapSnat));
        Assert.Equal(NetOrder.PortBe(61001), reservation.PortBe);
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
}
