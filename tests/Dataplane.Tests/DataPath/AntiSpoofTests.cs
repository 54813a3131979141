using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>dp_veth_in lets a container send only as itself: its address, from its own veth, with its MAC;
/// ARP likewise. Everything else is dropped and counted as Spoofed before any translation or policy.</summary>
public sealed class AntiSpoofTests : DataPathTestBase
{
    public static TheoryData<string, string, string> Forged => new()
    {
        // what, claimed source, destination
        { "another container's address", C2, Remote },
        { "a free address of its own subnet, to the outside", "198.19.1.50", Remote },
        { "a free address of its own subnet, to another network", "198.19.1.50", C3 },
        { "an address of another network", C3, C2 },
        { "the gateway's address", Gw1, C2 },
        { "an outside address", Remote, Client },
    };

    [PrivilegedTheory]
    [MemberData(nameof(Forged))]
    public void VethIn_SourceNotTheSendingContainers_DroppedSpoofedWithoutState(string what, string src, string dst)
    {
        Assert.NotNull(what);
        var f = Udp(new Ip(src, dst, EthSrc: MacOf(C1)), 5555, 53); // sent by C1 through its veth

        AssertUntouched(Veth(f, IfindexOf(C1)), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.Spoofed).Packets);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_OwnAddressFromAnotherVeth_DroppedSpoofed()
    {
        var f = Tcp(new Ip(C1, C2), 33000, 80, Syn); // C1's address and MAC, arriving on C2's veth
        AssertUntouched(Veth(f, IfindexOf(C2)), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.Spoofed).Packets);
    }

    [PrivilegedFact]
    public void VethIn_OwnAddressWithAnotherMac_DroppedSpoofed()
    {
        var f = Tcp(new Ip(C1, Host, EthSrc: ClientMac), 33000, WebPort, Syn);
        AssertUntouched(Veth(f), f, DpNatObject.TcActShot);
        Assert.Equal(1UL, O.Drops(DropReason.Spoofed).Packets);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedFact]
    public void VethIn_OwnAddressAndMac_PassesThePolicy()
    {
        var f = Tcp(new Ip(C1, C2), 33000, 80, Syn);
        AssertUntouched(Veth(f), f);
        Assert.Equal(0UL, O.Drops(DropReason.Spoofed).Packets);
    }

    public static TheoryData<string, byte[], string, bool> Arps => new()
    {
        // what, frame, veth of, allowed
        { "own address", ArpRequest(MacOf(C1), C1, Gw1), C1, true },
        { "probe (no address)", ArpRequest(MacOf(C1), "0.0.0.0", C1), C1, true },
        { "another container's address", ArpRequest(MacOf(C1), C2, Gw1), C1, false },
        { "the gateway's address", ArpRequest(MacOf(C1), Gw1, C2), C1, false },
        { "a free address", ArpRequest(MacOf(C1), "198.19.1.50", Gw1), C1, false },
        { "own address, another sender MAC", ArpRequest(ClientMac, C1, Gw1, ethSrc: MacOf(C1)), C1, false },
        { "own address from another veth", ArpRequest(MacOf(C1), C1, Gw1), C2, false },
    };

    [PrivilegedTheory]
    [MemberData(nameof(Arps))]
    public void VethIn_Arp_OnlyTheContainersOwnAddress(string what, byte[] frame, string vethOf, bool allowed)
    {
        Assert.NotNull(what);
        AssertUntouched(Veth(frame, IfindexOf(vethOf)), frame, allowed ? DpNatObject.TcActOk : DpNatObject.TcActShot);
        Assert.Equal(allowed ? 0UL : 1UL, O.Drops(DropReason.Spoofed).Packets);
    }
}
