using System.Runtime.InteropServices;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>Drop/trace events (dp_events ring buffer, dp_event_ctl, the per-CPU token bucket) and the
/// observability counters (dp_fwd, dp_drop_dir), through BPF_PROG_TEST_RUN on the real object.</summary>
public sealed class EventTests : DataPathTestBase
{
    private DataPathReader Reader => new(O.DataPath.Object);

    /// <summary>SYN from outside straight to a container's address: no flow, no published port.</summary>
    private static byte[] DirectRouted(ushort sport = 40000) => Tcp(new Ip(Client, C1), sport, 80, Syn);

    private List<DataPathEvent> Drain()
    {
        var events = new List<DataPathEvent>();
        using var ring = new BpfRingBuffer(O.DataPath.Object.Map(DataPathAbi.MapEvents), r => events.Add(MemoryMarshal.Read<DataPathEvent>(r)));
        ring.Poll(0);
        return events;
    }

    [PrivilegedFact]
    public void Drop_MonitorListening_OneEventWithReasonProgramInterfaceAndTuple()
    {
        Reader.SetEventControl(1u << (int)EventType.Drop);

        var r = O.Run(DataPathAbi.ProgUplinkIn, DirectRouted(), ingressIfindex: UplinkIfindex);

        Assert.Equal(DpNatObject.TcActShot, r.Verdict);
        var e = Assert.Single(Drain());
        Assert.Equal(EventType.Drop, (EventType)e.Type);
        Assert.Equal(DropReason.DirectRouted, (DropReason)e.Reason);
        Assert.Equal(EventProg.UplinkIn, (EventProg)e.Prog);
        Assert.Equal(UplinkIfindex, e.Ifindex);
        Assert.Equal((Client, C1, (ushort)40000, (ushort)80, ProtoTcp),
            (e.Source.ToString(), e.Destination.ToString(), NetOrder.Port(e.SPortBe), NetOrder.Port(e.DPortBe), e.Proto));
        Assert.Equal((byte)Family.Inet, e.Family);
        Assert.True(e.TsNs > 0 && e.TsNs <= ConntrackEntry.MonotonicNowNs());
        Assert.Equal(1UL, Reader.EventCounts().Emitted);
    }

    [PrivilegedFact]
    public void Drop_NobodyListening_NoEventButCountedByDirection()
    {
        var r = O.Run(DataPathAbi.ProgUplinkIn, DirectRouted(), ingressIfindex: UplinkIfindex);

        Assert.Equal(DpNatObject.TcActShot, r.Verdict);
        Assert.Empty(Drain());
        Assert.Equal((0UL, 0UL, 0UL), Reader.EventCounts());
        var (ingress, egress) = Reader.DropsByDirection()[DropReason.DirectRouted];
        Assert.Equal(1UL, ingress.Packets);
        Assert.Equal((ulong)DirectRouted().Length, ingress.Bytes);
        Assert.Equal(0UL, egress.Packets);
    }

    [PrivilegedFact]
    public void Drop_SpoofedFromContainer_CountedAsEgress()
    {
        Reader.SetEventControl(1u << (int)EventType.Drop);
        var forged = Tcp(new Ip(C2, Client), 40000, 80, Syn); // C2's address from C1's veth

        var r = Veth(forged, IfindexOf(C1));

        Assert.Equal(DpNatObject.TcActShot, r.Verdict);
        Assert.Equal(1UL, Reader.DropsByDirection()[DropReason.Spoofed].Egress.Packets);
        var e = Assert.Single(Drain());
        Assert.Equal((DropReason.Spoofed, EventProg.VethIn, IfindexOf(C1)), ((DropReason)e.Reason, (EventProg)e.Prog, e.Ifindex));
    }

    [PrivilegedFact]
    public void Flood_OverTheRate_EventsCappedAtTheBurstAndTheRestCounted()
    {
        Reader.SetEventControl(1u << (int)EventType.Drop, rate: 1, burst: 5);

        // One test run repeats the program 200 times on one CPU: one bucket.
        var r = O.Run(DataPathAbi.ProgUplinkIn, DirectRouted(), repeat: 200, ingressIfindex: UplinkIfindex);

        Assert.Equal(DpNatObject.TcActShot, r.Verdict);
        var events = Drain();
        var (emitted, limited, lost) = Reader.EventCounts();
        Assert.InRange(events.Count, 5, 6); // the burst, plus at most one token refilled at 1/s meanwhile
        Assert.Equal((ulong)events.Count, emitted);
        Assert.Equal(200UL, emitted + limited);
        Assert.Equal(0UL, lost);
        Assert.Equal(200UL, O.Drops(DropReason.DirectRouted).Packets); // every drop counted, events or not
    }

    [PrivilegedFact]
    public void Trace_PublishedPortFlow_TraceEventAndForwardCounters()
    {
        Reader.SetEventControl(1u << (int)EventType.Trace);

        var syn = Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn));
        var ack = Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Ack, payload: 100));

        Assert.Equal(DpNatObject.TcActRedirect, syn.Verdict);
        Assert.Equal(DpNatObject.TcActRedirect, ack.Verdict);
        var events = Drain();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal((EventType.Trace, DpNatObject.TcActRedirect, (ushort)WebPort), ((EventType)e.Type, e.Reason, NetOrder.Port(e.DPortBe))));
        var fwd = Reader.Forwarded().ToDictionary(f => f.Path, f => f.Counter);
        Assert.Equal(2UL, fwd[ForwardPath.Dnat].Packets);
        Assert.Equal(0UL, fwd[ForwardPath.Masquerade].Packets);
    }

    [PrivilegedFact]
    public void Fill_EveryMapListed_ConntrackCountsItsEntries()
    {
        Uplink(Tcp(new Ip(Client, Host), 40000, WebPort, Syn));

        var fill = Reader.Fill().ToDictionary(f => f.Name);

        Assert.Equal(2, fill[DataPathAbi.MapCt].Entries);
        Assert.Equal(4, fill[DataPathAbi.MapPortmap].Entries + fill[DataPathAbi.MapPortmapAny].Entries); // TestWorld publishes four ports
        Assert.Null(fill[DataPathAbi.MapDrops].Entries); // arrays have no fill
        Assert.Contains(DataPathAbi.MapEvents, fill.Keys);
        Assert.All(fill.Values.Where(f => f.Entries is not null), f => Assert.InRange(f.Entries!.Value, 0, f.MaxEntries));
    }

    /// <summary>The daemon counts the every-address port arrays from its own mapping of them (no 131,072-slot
    /// copy per scrape), and gets what the kernel's copy says.</summary>
    [PrivilegedFact]
    public void Fill_EveryAddressPorts_CountedInMemoryAsTheKernelCountsThem()
    {
        var copied = Reader.Fill().ToDictionary(f => f.Name);
        var counted = new DataPathReader(O.DataPath.Object, O.DataPath.CountedInMemory).Fill().ToDictionary(f => f.Name);

        Assert.Equal(2, counted[DataPathAbi.MapPortmapAny].Entries); // TestWorld's WebPort and DnsPort
        Assert.Equal(copied[DataPathAbi.MapPortmapAny].Entries, counted[DataPathAbi.MapPortmapAny].Entries);
        Assert.Equal(copied[DataPathAbi.MapPortmap6Any].Entries, counted[DataPathAbi.MapPortmap6Any].Entries);
    }
}
