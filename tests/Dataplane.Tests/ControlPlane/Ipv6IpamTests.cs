using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ipam;

namespace Dataplane.Tests.ControlPlane;

public class Ipv6IpamTests
{
    [Fact]
    public void Parse_UlaSubnet_GatewayIsOneAndLastAddressKnown()
    {
        var s = Ipv6Subnet.Parse("fd00:1::/64");
        Assert.Equal("fd00:1::/64", s.ToString());
        Assert.Equal(IPAddress.Parse("fd00:1::1"), Ipv6Subnet.ToAddress(s.DefaultGateway));
        Assert.Equal(IPAddress.Parse("fd00:1::ffff:ffff:ffff:ffff"), Ipv6Subnet.ToAddress(s.Last));
    }

    [Theory]
    [InlineData("fd00:1::5/64", "invalid subnet fd00:1::5/64: it should be fd00:1::/64")]
    [InlineData("fd00:1::", "invalid CIDR address: fd00:1::")]
    [InlineData("fd00:1::/129", "invalid CIDR address: fd00:1::/129")]
    [InlineData("172.18.0.0/16", "invalid CIDR address: 172.18.0.0/16")]
    [InlineData("fd00:zz::/64", "invalid CIDR address: fd00:zz::/64")]
    [InlineData("fe80::%eth0/64", "invalid CIDR address: fe80::%eth0/64")]
    [InlineData("fd00::/127", "invalid subnet fd00::/127: a /127 leaves no room for a gateway and containers")]
    public void Parse_Bad_ThrowsPreciseMessage(string cidr, string message) =>
        Assert.Equal(message, Assert.Throws<DataplaneException>(() => Ipv6Subnet.Parse(cidr)).Message);

    [Theory]
    [InlineData("fd00::/48", "fd00:0:0:1::/64", true)]
    [InlineData("fd00:0:0:1::/64", "fd00::/48", true)]
    [InlineData("fd00:1::/64", "fd00:2::/64", false)]
    public void Overlaps_Pairs_Expected(string a, string b, bool expected) =>
        Assert.Equal(expected, Ipv6Subnet.Parse(a).Overlaps(Ipv6Subnet.Parse(b)));

    [Fact]
    public void Pool_Allocate_LowestFreeAfterGatewayAndReleasedAddressesReused()
    {
        var pool = new Ipv6AddressPool(Ipv6Subnet.Parse("fd00:1::/64"));

        Assert.Equal(IPAddress.Parse("fd00:1::1"), pool.Gateway);
        Assert.Equal(IPAddress.Parse("fd00:1::2"), pool.Allocate());
        Assert.Equal(IPAddress.Parse("fd00:1::3"), pool.Allocate());
        pool.Release(IPAddress.Parse("fd00:1::2"));
        Assert.Equal(IPAddress.Parse("fd00:1::2"), pool.Allocate());
        pool.Release(pool.Gateway); // never freed
        Assert.Equal(IPAddress.Parse("fd00:1::4"), pool.Allocate());
    }

    [Fact]
    public void Pool_Exhausted_ConflictNamingTheSubnet()
    {
        var pool = new Ipv6AddressPool(Ipv6Subnet.Parse("fd00::/126"));
        pool.Allocate();
        pool.Allocate();

        var e = Assert.Throws<DataplaneException>(pool.Allocate);
        Assert.Equal("no available IPv6 addresses on this network's address pools: fd00::/126", e.Message);
    }

    [Theory]
    [InlineData("fd00:2::5", "no configured subnet or ip-range contain the IP address fd00:2::5")]
    [InlineData("fd00:1::", "no configured subnet or ip-range contain the IP address fd00:1::")]
    [InlineData("fd00:1::1", "Address already in use: fd00:1::1")]
    public void Pool_ReserveOutsideOrTaken_Refused(string address, string message)
    {
        var pool = new Ipv6AddressPool(Ipv6Subnet.Parse("fd00:1::/64"));
        Assert.Equal(message, Assert.Throws<DataplaneException>(() => pool.Reserve(IPAddress.Parse(address))).Message);
    }

    [Fact]
    public void Pool_GatewayOutsideSubnet_Refused() =>
        Assert.Equal("no matching subnet for gateway fd00:2::1",
            Assert.Throws<DataplaneException>(() => new Ipv6AddressPool(Ipv6Subnet.Parse("fd00:1::/64"), IPAddress.Parse("fd00:2::1"))).Message);
}
