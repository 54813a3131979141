using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Interop.Netlink;

/// <summary>IFLA_LINK: how the container side of a veth names its host side (Docker mode finds adopted veths this way).</summary>
public sealed class VethPeerTests : IDisposable
{
    private readonly NamespaceSet _spaces = new();

    public void Dispose() => _spaces.Dispose();

    [PrivilegedFact]
    public void LinkIndex_VethAcrossNamespaces_NamesThePeerInTheOtherNamespace()
    {
        var host = _spaces.Create("host");
        var ctr = _spaces.Create("ctr");
        using var nl = RtNetlink.Open(host);
        using var nlCtr = RtNetlink.Open(ctr);
        nl.CreateVeth("vpeer-a", "eth0", ctr);
        nl.CreateVeth("vpeer-b", "eth1", ctr); // a second pair: the index must pick the right one

        Assert.Equal("vpeer-a", nl.GetLink(nlCtr.GetLink("eth0").LinkIndex).Name);
        Assert.Equal("vpeer-b", nl.GetLink(nlCtr.GetLink("eth1").LinkIndex).Name);
        Assert.Equal(nlCtr.GetLink("eth0").Index, nl.GetLink("vpeer-a").LinkIndex);
        Assert.Equal(0, nlCtr.GetLink("lo").LinkIndex); // no IFLA_LINK
    }
}
