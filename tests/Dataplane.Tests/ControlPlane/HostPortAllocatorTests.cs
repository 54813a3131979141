using System.Collections.Concurrent;
using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop;
using Dataplane.Interop.Netlink;

namespace Dataplane.Tests.ControlPlane;

public class HostPortAllocatorTests
{
    /// <summary>An address the fake host does not have (TEST-NET-3, never used on the wire).</summary>
    private static readonly IPAddress NotLocal = IPAddress.Parse("203.0.113.9");

    /// <summary>A host where another process listens on 0.0.0.0 at each busy port (TCP and UDP).</summary>
    private sealed class BusyProbe(params int[] busy) : IHostPortProbe
    {
        public int Calls { get; private set; }

        /// <summary>What the host was last told is published.</summary>
        public IReadOnlyList<int> Published { get; private set; } = [];

        void IHostPortProbe.Published(PortSet ports) => Published = [.. ports]; // a copy: the set is the allocator's

        public HostPortView Look(IReadOnlyCollection<(IPAddress Address, Proto Proto)> wanted)
        {
            Calls++;
            return new HostPortView(busy.SelectMany(p => new[] { new BoundSocket(IPAddress.Any, p, false, false), new BoundSocket(IPAddress.Any, p, true, false) }),
                wanted.Select(w => w.Address).Where(a => a.Equals(NotLocal)));
        }
    }

    private static PortBinding B(string spec) => PortSpecParser.Parse(spec).Single();

    [Fact]
    public void Allocate_SamePortTwice_ThrowsAlreadyAllocated()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        a.Allocate(B("8080:80"));
        var e = Assert.Throws<DataplaneException>(() => a.Allocate(B("8080:81")));
        Assert.Equal("Bind for 0.0.0.0:8080 failed: port is already allocated", e.Message);
        Assert.Equal(ErrorKind.Conflict, e.Kind);
    }

    [Theory]
    [InlineData("8080:80", "127.0.0.1:8080:80")]
    [InlineData("127.0.0.1:8080:80", "8080:80")]
    [InlineData("[::]:8080:80", "[::1]:8080:80")]
    public void Allocate_AnyAddressVersusSpecific_Conflicts(string first, string second)
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        a.Allocate(B(first));
        Assert.Contains("port is already allocated", Assert.Throws<DataplaneException>(() => a.Allocate(B(second))).Message);
    }

    [Theory]
    [InlineData("127.0.0.1:8080:80", "127.0.0.2:8080:80")]
    [InlineData("8080:80", "8080:80/udp")]
    [InlineData("8080:80", "[::1]:8080:80")]
    public void Allocate_DistinctScopes_BothSucceed(string first, string second)
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        a.Allocate(B(first));
        Assert.Equal(8080, a.Allocate(B(second)).HostPort);
    }

    [Fact]
    public void Allocate_IPv6Conflict_FormatsBracketedEndpoint()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        a.Allocate(B("[::1]:8080:80"));
        Assert.Equal("Bind for [::1]:8080 failed: port is already allocated",
            Assert.Throws<DataplaneException>(() => a.Allocate(B("[::1]:8080:80"))).Message);
    }

    [Fact]
    public void Allocate_ProbeSaysBusy_ThrowsAddressInUse()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, new BusyProbe(8080));
        Assert.Equal("failed to bind host port 0.0.0.0:8080/tcp: address already in use",
            Assert.Throws<DataplaneException>(() => a.Allocate(B("8080:80"))).Message);
        Assert.False(a.IsHeld(IPAddress.Any, Proto.Tcp, 8080));
    }

    [Fact]
    public void Allocate_Dynamic_SkipsBusyAndHeldPortsAndGoesRoundRobin()
    {
        var a = new HostPortAllocator(new PortRange(49000, 49003), new BusyProbe(49001));
        a.Allocate(B("49000:1"));
        Assert.Equal(49002, a.Allocate(B("80")).HostPort);
        var p = a.Allocate(B("81"));
        Assert.Equal(49003, p.HostPort);
        a.Release(p);
        Assert.Equal(49003, a.Allocate(B("82")).HostPort);
        Assert.Equal("all ports are allocated", Assert.Throws<DataplaneException>(() => a.Allocate(B("83"))).Message);
    }

    [Fact]
    public void Allocate_RangeExhausted_ThrowsAllPortsAllocated()
    {
        var a = new HostPortAllocator(new PortRange(49000, 49001));
        a.Allocate(B("81"));
        a.Allocate(B("82"));
        Assert.Equal("all ports are allocated", Assert.Throws<DataplaneException>(() => a.Allocate(B("83"))).Message);
    }

    [Fact]
    public void Allocate_HostRangeWithSingleContainerPort_TakesFirstFreeOfThatRange()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        a.Allocate(B("8000:1"));
        Assert.Equal(8001, a.Allocate(B("8000-8010:80")).HostPort);
    }

    [Fact]
    public void AllocateAll_SecondAlreadyAllocated_FirstNeitherHeldNorReserved()
    {
        var probe = new BusyProbe();
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, probe);
        a.Allocate(B("9000:1"));
        Assert.Equal("Bind for 0.0.0.0:9000 failed: port is already allocated",
            Assert.Throws<DataplaneException>(() => a.AllocateAll([B("8080:80"), B("9000:90")])).Message);
        Assert.False(a.IsHeld(IPAddress.Any, Proto.Tcp, 8080));
        Assert.Equal(2, probe.Calls); // one look per request
        Assert.Equal(8080, a.Allocate(B("8080:80")).HostPort);
    }

    [Fact]
    public void AllocateAll_HostHoldsSecond_FirstReleased()
    {
        var probe = new BusyProbe(9000);
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, probe);
        Assert.Equal("failed to bind host port 0.0.0.0:9000/tcp: address already in use",
            Assert.Throws<DataplaneException>(() => a.AllocateAll([B("8080:80"), B("9000:90")])).Message);
        Assert.False(a.IsHeld(IPAddress.Any, Proto.Tcp, 8080));
    }

    [Fact]
    public void AllocateAll_DynamicExhaustedAfterFixed_FixedRolledBack()
    {
        var probe = new BusyProbe();
        var a = new HostPortAllocator(new PortRange(49000, 49000), probe);
        a.Allocate(B("1"));
        Assert.Throws<DataplaneException>(() => a.AllocateAll([B("8080:80"), B("81")]));
        Assert.False(a.IsHeld(IPAddress.Any, Proto.Tcp, 8080));
    }

    [Fact]
    public void AllocateAll_SamePortTwiceInOneRequest_Refused()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        Assert.Equal("Bind for 0.0.0.0:8080 failed: port is already allocated",
            Assert.Throws<DataplaneException>(() => a.AllocateAll([B("8080:80"), B("8080:81")])).Message);
        Assert.False(a.IsHeld(IPAddress.Any, Proto.Tcp, 8080));
    }

    [Fact]
    public void AllocateAll_TenThousandFixedPorts_OneLookAtTheHostInBindingOrder()
    {
        var probe = new BusyProbe();
        var a = new HostPortAllocator(new PortRange(49000, 49001), probe);
        var got = a.AllocateAll([B("80"), .. PortSpecParser.Parse("20000-29999:20000-29999")]);
        Assert.Equal(1, probe.Calls); // the fixed batch and the dynamic port from the same look
        Assert.Equal(49000, got[0].HostPort);
        Assert.Equal(Enumerable.Range(20000, 10_000), got.Skip(1).Select(p => p.HostPort));
    }

    [Fact]
    public void Published_EveryChange_TheHostToldEveryHeldPortOnce()
    {
        var probe = new BusyProbe();
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, probe);
        var web = a.AllocateAll([B("8080:80"), B("[::]:8080:80"), B("5353:53/udp")]);
        Assert.Equal([5353, 8080], probe.Published.Order());
        a.Adopt([new PublishedPort(IPAddress.Any, 9000, new ContainerPort(90, Proto.Tcp))]);
        Assert.Equal([5353, 8080, 9000], probe.Published.Order());
        a.ReleaseAll(web);
        Assert.Equal([9000], probe.Published);
    }

    [Fact]
    public void Release_ThenAllocate_ReusesPort()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        var p = a.Allocate(B("127.0.0.1:8080:80"));
        a.Release(p);
        Assert.Equal(8080, a.Allocate(B("8080:80")).HostPort);
    }

    [Fact]
    public void Adopt_HeldPort_BlocksLaterAllocation()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange);
        a.Adopt([new PublishedPort(IPAddress.Any, 8080, new ContainerPort(80, Proto.Tcp))]);
        Assert.Throws<DataplaneException>(() => a.Allocate(B("8080:80")));
    }

    [FsCheck.Xunit.Property]
    public bool Allocate_RandomAllocateReleaseSequence_NoOverlappingHolders(byte[] ops)
    {
        var a = new HostPortAllocator(new PortRange(50000, 50007));
        var live = new List<PublishedPort>();
        string[] ips = ["0.0.0.0", "127.0.0.1", "10.0.0.1"];
        foreach (var op in ops ?? [])
        {
            if (op % 4 == 0 && live.Count > 0)
            {
                a.Release(live[op % live.Count]);
                live.RemoveAt(op % live.Count);
                continue;
            }
            var spec = op % 2 == 0 ? $"{ips[op % 3]}::80" : $"{ips[op % 3]}:{50000 + op % 8}:80";
            try { live.Add(a.Allocate(B(spec))); }
            catch (DataplaneException) { }
        }
        // No two live ports may overlap: same port and (same address or one of them 0.0.0.0).
        return !live.Where((p, i) => live.Skip(i + 1).Any(q => q.HostPort == p.HostPort
            && (q.HostIp.Equals(p.HostIp) || q.HostIp.Equals(IPAddress.Any) || p.HostIp.Equals(IPAddress.Any)))).Any();
    }

    [Fact]
    public void Allocate_ConcurrentDynamic_NeverHandsOutAPortTwice()
    {
        var a = new HostPortAllocator(new PortRange(40000, 40999));
        var got = new ConcurrentBag<int>();
        Parallel.For(0, 1000, _ => got.Add(a.Allocate(B("80")).HostPort));
        Assert.Equal(1000, got.Distinct().Count());
        Assert.Throws<DataplaneException>(() => a.Allocate(B("80")));
    }

    // Docker (28.x) on a host IP the host does not have: the kernel's EADDRNOTAVAIL, not "in use".
    [Fact]
    public void Allocate_AddressNotOnTheHost_CannotAssignRequestedAddress()
    {
        var a = new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, new BusyProbe());
        var e = Assert.Throws<DataplaneException>(() => a.Allocate(B("203.0.113.9:8080:80")));
        Assert.Equal("failed to bind host port 203.0.113.9:8080/tcp: cannot assign requested address", e.Message);
        var random = Assert.Throws<DataplaneException>(() => a.Allocate(B("203.0.113.9::80")));
        Assert.EndsWith(": cannot assign requested address", random.Message);
        Assert.False(a.IsHeld(NotLocal, Proto.Tcp, 8080));
    }
}
