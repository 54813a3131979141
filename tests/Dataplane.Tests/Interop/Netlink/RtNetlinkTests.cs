using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Interop.Netlink;

public sealed class RtNetlinkTests : IDisposable
{
    private readonly NamespaceSet _spaces = new();

    public void Dispose() => _spaces.Dispose();

    [PrivilegedFact]
    public void BridgeAndVeth_PeerCreatedInOtherNamespace_ReadBackThroughNetlink()
    {
        var host = _spaces.Create("host");
        var ctr = _spaces.Create("ctr");
        using var nl = RtNetlink.Open(host);
        using var nlCtr = RtNetlink.Open(ctr);

        nl.CreateBridge("br-t0", PhysicalAddress.Parse("02-42-c6-13-00-01"));
        nl.CreateVeth("veth-t0", "eth0", ctr, peerMac: PhysicalAddress.Parse("02-42-c6-13-00-02"), mtu: 1400);
        nl.SetMaster("veth-t0", "br-t0");
        nl.SetUp("br-t0");
        nl.SetUp("veth-t0");
        nl.SetMtu("br-t0", 1400);

        var bridge = nl.GetLink("br-t0");
        var veth = nl.GetLink("veth-t0");
        Assert.Equal("bridge", bridge.Kind);
        Assert.True(bridge.IsUp);
        Assert.Equal(PhysicalAddress.Parse("02-42-c6-13-00-01"), bridge.Mac);
        Assert.Equal("veth", veth.Kind);
        Assert.Equal(bridge.Index, veth.MasterIndex);
        Assert.Equal(1400, veth.Mtu);
        Assert.Null(nl.TryGetLink("eth0")); // the peer never appeared in the host namespace

        var peer = nlCtr.GetLink("eth0");
        Assert.Equal(PhysicalAddress.Parse("02-42-c6-13-00-02"), peer.Mac);
        Assert.Equal(1400, peer.Mtu);
        Assert.Contains(nlCtr.ListLinks(), l => l.Name == "lo");

        nl.SetNoMaster("veth-t0");
        Assert.Equal(0, nl.GetLink("veth-t0").MasterIndex);
        nl.Rename("veth-t0", "veth-t1");
        Assert.Equal(veth.Index, nl.GetLink("veth-t1").Index);
        nl.DeleteLink("veth-t1");
        Assert.Null(nlCtr.TryGetLink("eth0")); // deleting one end removes the pair
    }

    [PrivilegedFact]
    public void AddressesAndRoutes_V4AndV6_ReadBackAndDelete()
    {
        var ns = _spaces.Create("addr");
        using var nl = RtNetlink.Open(ns);
        nl.CreateBridge("br-a");
        nl.SetUp("br-a");
        nl.SetUp("lo");
        var v4 = IPAddress.Parse("198.18.5.1");
        var v6 = IPAddress.Parse("fd00:d0::1");
        nl.AddAddress("br-a", v4, 24);
        nl.AddAddress("br-a", v6, 64);

        var addresses = nl.ListAddresses("br-a");
        Assert.Contains(addresses, a => a.Address.Equals(v4) && a.PrefixLength == 24);
        Assert.Contains(addresses, a => a.Address.Equals(v6) && a.PrefixLength == 64);

        nl.AddRoute(IPAddress.Parse("198.19.7.0"), 24, IPAddress.Parse("198.18.5.254"));
        nl.AddRoute(null, 0, IPAddress.Parse("198.18.5.253"));
        var routes = nl.ListRoutes();
        Assert.Contains(routes, r => r.Destination?.Equals(IPAddress.Parse("198.19.7.0")) == true && r.PrefixLength == 24 && r.Gateway!.Equals(IPAddress.Parse("198.18.5.254")));
        Assert.Contains(routes, r => r.Destination is null && r.Gateway!.Equals(IPAddress.Parse("198.18.5.253")));
        Assert.Contains(nl.ListRoutes(AddressFamily.InterNetworkV6), r => r.Destination?.Equals(IPAddress.Parse("fd00:d0::")) == true);

        nl.DeleteRoute(IPAddress.Parse("198.19.7.0"), 24);
        nl.DeleteAddress("br-a", v4, 24);
        Assert.DoesNotContain(nl.ListRoutes(), r => r.Destination?.Equals(IPAddress.Parse("198.19.7.0")) == true);
        Assert.DoesNotContain(nl.ListAddresses("br-a"), a => a.Address.Equals(v4));
    }

    [PrivilegedFact]
    public void Neighbour_PermanentThenReplaced_ReadBackWithTheNewMac()
    {
        var ns = _spaces.Create("neigh");
        using var nl = RtNetlink.Open(ns);
        nl.CreateBridge("br-n");
        nl.SetUp("br-n");
        var address = IPAddress.Parse("198.18.6.9");
        nl.AddNeighbour("br-n", address, PhysicalAddress.Parse("02-00-00-00-00-09"));
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-09"), Assert.Single(nl.ListNeighbours("br-n"), n => n.Address.Equals(address)).Mac);
        nl.AddNeighbour("br-n", address, PhysicalAddress.Parse("02-00-00-00-00-0a")); // replace
        var entry = Assert.Single(nl.ListNeighbours("br-n"), n => n.Address.Equals(address));
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-0a"), entry.Mac);
        Assert.True(entry.IsPermanent);
        Assert.Equal(nl.IndexOf("br-n"), entry.Index);
        Assert.Empty(nl.ListNeighbours("lo"));
        var v6 = IPAddress.Parse("fd00::9");
        nl.AddNeighbour("br-n", v6, PhysicalAddress.Parse("02-00-00-00-00-0b"));
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-0b"), Assert.Single(nl.ListNeighbours(), n => n.Address.Equals(v6)).Mac);
    }

    [PrivilegedFact]
    public void BadInput_PreciseErrorsAndNothingLeftBehind()
    {
        var ns = _spaces.Create("bad");
        using var nl = RtNetlink.Open(ns);
        var missing = Assert.Throws<InteropException>(() => nl.SetUp("nope0"));
        Assert.Equal(Errno.ENODEV, missing.Errno);
        Assert.Contains("nope0", missing.Message);

        nl.CreateBridge("br-d");
        var duplicate = Assert.Throws<InteropException>(() => nl.CreateBridge("br-d"));
        Assert.Equal(Errno.EEXIST, duplicate.Errno);
        Assert.Contains("br-d", duplicate.Message);

        var veth = Assert.Throws<InteropException>(() => nl.CreateVeth("veth-d", "br-d")); // peer name taken here
        Assert.Equal(Errno.EEXIST, veth.Errno);
        Assert.Null(nl.TryGetLink("veth-d"));

        Assert.Throws<ArgumentException>(() => nl.CreateBridge("a-name-that-is-too-long"));
        Assert.Throws<ArgumentOutOfRangeException>(() => nl.AddAddress("br-d", IPAddress.Parse("198.18.0.1"), 33));
        Assert.Equal(["br-d", "lo"], nl.ListLinks().Select(l => l.Name).Order());
    }

    [PrivilegedFact]
    public void Open_MissingNamespace_Throws()
    {
        var ex = Assert.Throws<InteropException>(() => NetworkNamespace.Open("dpt-missing-ns"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
    }
}
