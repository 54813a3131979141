using System.Collections.Concurrent;
using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ipam;
using FsCheck.Xunit;

namespace Dataplane.Tests.ControlPlane;

public class IpamTests
{
    [Fact]
    public void Parse_DefaultBridge_HasDockerGatewayAndBroadcast()
    {
        var s = Ipv4Subnet.Parse("172.17.0.0/16");
        Assert.Equal("172.17.0.0/16", s.ToString());
        Assert.Equal(IPAddress.Parse("172.17.0.1"), Ipv4Subnet.ToAddress(s.DefaultGateway));
        Assert.Equal(IPAddress.Parse("172.17.255.255"), Ipv4Subnet.ToAddress(s.Broadcast));
    }

    [Theory]
    [InlineData("172.18.0.5/16", "invalid subnet 172.18.0.5/16: it should be 172.18.0.0/16")]
    [InlineData("172.18.0.0", "invalid CIDR address: 172.18.0.0")]
    [InlineData("172.18.0.0/33", "invalid CIDR address: 172.18.0.0/33")]
    [InlineData("172.18.0/16", "invalid CIDR address: 172.18.0/16")]
    [InlineData("fd00::/64", "invalid CIDR address: fd00::/64")]
    [InlineData("10.0.0.0/31", "invalid subnet 10.0.0.0/31: a /31 leaves no room for a gateway and containers")]
    public void Parse_Bad_ThrowsPreciseMessage(string cidr, string message) =>
        Assert.Equal(message, Assert.Throws<DataplaneException>(() => Ipv4Subnet.Parse(cidr)).Message);

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", true)]
    [InlineData("10.1.0.0/16", "10.2.0.0/16", false)]
    [InlineData("192.168.0.0/20", "192.168.16.0/20", false)]
    public void Overlaps_Pairs_Expected(string a, string b, bool expected) =>
        Assert.Equal(expected, Ipv4Subnet.Parse(a).Overlaps(Ipv4Subnet.Parse(b)));

    [Property]
    public bool Overlaps_IsSymmetric(uint a, byte pa, uint b, byte pb)
    {
        int la = pa % 31, lb = pb % 31;
        var x = Ipv4Subnet.Create(a & (la == 0 ? 0 : uint.MaxValue << (32 - la)), la);
        var y = Ipv4Subnet.Create(b & (lb == 0 ? 0 : uint.MaxValue << (32 - lb)), lb);
        return x.Overlaps(y) == y.Overlaps(x) && x.Overlaps(x);
    }

    [Fact]
    public void EnsureNoOverlap_Overlapping_ThrowsDockerMessage() =>
        Assert.Equal("Pool overlaps with other one on this address space", Assert.Throws<DataplaneException>(() =>
            SubnetPlanner.EnsureNoOverlap(Ipv4Subnet.Parse("172.17.5.0/24"), [SubnetPlanner.DefaultBridgeSubnet])).Message);

    [Fact]
    public void PickFree_AfterDefaultBridge_Gives172_18ThenNext()
    {
        var taken = new List<Ipv4Subnet> { SubnetPlanner.DefaultBridgeSubnet };
        Assert.Equal("172.18.0.0/16", SubnetPlanner.PickFree(taken).ToString());
        taken.Add(Ipv4Subnet.Parse("172.18.0.0/16"));
        taken.Add(Ipv4Subnet.Parse("172.19.128.0/24"));
        Assert.Equal("172.20.0.0/16", SubnetPlanner.PickFree(taken).ToString());
    }

    [Fact]
    public void PickFree_All172Taken_Falls192_168_20()
    {
        Assert.Equal("192.168.0.0/20", SubnetPlanner.PickFree([Ipv4Subnet.Parse("172.16.0.0/12")]).ToString());
        Assert.Throws<DataplaneException>(() => SubnetPlanner.PickFree([Ipv4Subnet.Parse("172.16.0.0/12"), Ipv4Subnet.Parse("192.168.0.0/16")]));
    }

    [Fact]
    public void Allocate_DefaultBridge_StartsAtDot2()
    {
        var pool = new AddressPool(SubnetPlanner.DefaultBridgeSubnet);
        Assert.Equal(IPAddress.Parse("172.17.0.1"), pool.Gateway);
        Assert.Equal(IPAddress.Parse("172.17.0.2"), pool.Allocate());
        Assert.Equal(IPAddress.Parse("172.17.0.3"), pool.Allocate());
    }

    [Fact]
    public void Allocate_SmallSubnet_ExcludesNetworkGatewayBroadcastThenExhausts()
    {
        var pool = new AddressPool(Ipv4Subnet.Parse("10.9.0.0/30"));
        Assert.Equal(IPAddress.Parse("10.9.0.2"), pool.Allocate());
        Assert.Equal(ErrorKind.Conflict, Assert.Throws<DataplaneException>(pool.Allocate).Kind);
    }

    [Fact]
    public void Gateway_Custom_IsSkippedAndOutsideRefused()
    {
        var pool = new AddressPool(Ipv4Subnet.Parse("10.9.0.0/29"), IPAddress.Parse("10.9.0.6"));
        Assert.DoesNotContain(IPAddress.Parse("10.9.0.6"), Enumerable.Range(0, 5).Select(_ => pool.Allocate()));
        Assert.Equal("no matching subnet for gateway 10.10.0.1",
            Assert.Throws<DataplaneException>(() => new AddressPool(Ipv4Subnet.Parse("10.9.0.0/29"), IPAddress.Parse("10.10.0.1"))).Message);
        Assert.Throws<DataplaneException>(() => new AddressPool(Ipv4Subnet.Parse("10.9.0.0/29"), IPAddress.Parse("10.9.0.7")));
    }

    [Fact]
    public void Reserve_ExplicitIp_ValidatedAndNotDoubled()
    {
        var pool = new AddressPool(Ipv4Subnet.Parse("10.9.0.0/24"));
        pool.Reserve(IPAddress.Parse("10.9.0.2"));
        Assert.Equal(IPAddress.Parse("10.9.0.3"), pool.Allocate());
        Assert.Equal("Address already in use: 10.9.0.2", Assert.Throws<DataplaneException>(() => pool.Reserve(IPAddress.Parse("10.9.0.2"))).Message);
        Assert.Equal("no configured subnet or ip-range contain the IP address 10.8.0.2",
            Assert.Throws<DataplaneException>(() => pool.Reserve(IPAddress.Parse("10.8.0.2"))).Message);
        Assert.Throws<DataplaneException>(() => pool.Reserve(IPAddress.Parse("10.9.0.255")));
        Assert.Throws<DataplaneException>(() => pool.Reserve(IPAddress.Parse("10.9.0.1")));
    }

    [Fact]
    public void Release_ThenAllocate_ReusesLowest()
    {
        var pool = new AddressPool(Ipv4Subnet.Parse("10.9.0.0/24"));
        var a = pool.Allocate();
        pool.Allocate();
        pool.Release(a);
        Assert.Equal(a, pool.Allocate());
        pool.Release(pool.Gateway);
        Assert.NotEqual(pool.Gateway, pool.Allocate());
    }

    [Fact]
    public void Allocate_Concurrent_NeverTwice()
    {
        var pool = new AddressPool(Ipv4Subnet.Parse("10.9.0.0/22"));
        var got = new ConcurrentBag<IPAddress>();
        Parallel.For(0, 1021, _ => got.Add(pool.Allocate()));
        Assert.Equal(1021, got.Distinct().Count());
        Assert.Throws<DataplaneException>(pool.Allocate);
    }

    [Theory]
    [InlineData("172.17.0.2", "02:42:ac:11:00:02")]
    [InlineData("10.0.255.1", "02:42:0a:00:ff:01")]
    public void Mac_FromIpv4_MatchesDocker(string ip, string mac) => Assert.Equal(mac, Macs.Format(Macs.FromIPv4(IPAddress.Parse(ip))));
}
