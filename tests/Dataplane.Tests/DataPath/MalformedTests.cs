using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>Malformed, truncated and foreign frames pass untouched and never create state.</summary>
public sealed class MalformedTests : DataPathTestBase
{
    public static TheoryData<string> Programs => new() { "dp_uplink_in", "dp_veth_in" };

    private static byte[] PublishedSyn(string prog) => prog == "dp_uplink_in"
        ? Tcp(new Ip(Client, Host, Options: [1, 1, 1, 0]), 40000, WebPort, Syn)
        : Tcp(new Ip(C2, Host, Options: [1, 1, 1, 0]), 40000, WebPort, Syn);

    [PrivilegedTheory]
    [MemberData(nameof(Programs))]
    public void Program_FrameCutAtEveryLength_PassesUntouchedWithoutState(string prog)
    {
        var full = PublishedSyn(prog);
        // BPF_PROG_TEST_RUN refuses frames of ETH_HLEN bytes or less; every cut after that, through the
        // IP header, its options and the TCP header, up to the last byte.
        for (int len = EthLength + 1; len < EthLength + 24 + 20; len++)
        {
            var cut = full[..len];
            var rc = O.TryRun(prog, cut, out var r, ingressIfindex: VethOf(full));
            if (len < EthLength + 20)
            {
                // The kernel itself refuses to build an skb from a cut IPv4 base header (EINVAL);
                // when it accepts one, our program must pass it untouched like every other cut.
                Assert.True(rc is 0 or -22, $"cut at {len}: test_run {rc}");
                if (rc != 0) continue;
            }
            Assert.True(rc == 0, $"cut at {len}: test_run {rc}");
            Assert.True(r.Verdict == DpNatObject.TcActOk, $"cut at {len}: verdict {r.Verdict}");
            Assert.Equal(Convert.ToHexString(cut), Convert.ToHexString(r.Output));
        }
        Assert.Equal(0, CtEntries);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "dp_uplink_in", "ihl4" }, { "dp_uplink_in", "version6" }, { "dp_uplink_in", "totlen-short" }, { "dp_uplink_in", "doff4" },
        { "dp_veth_in", "ihl4" }, { "dp_veth_in", "version6" }, { "dp_veth_in", "totlen-short" }, { "dp_veth_in", "doff4" },
    };

    [PrivilegedTheory]
    [MemberData(nameof(Corruptions))]
    public void Program_MalformedHeader_PassesUntouchedWithoutState(string prog, string corruption)
    {
        var f = PublishedSyn(prog);
        switch (corruption)
        {
            case "ihl4": f[EthLength] = 0x44; break;
            case "version6": f[EthLength] = 0x66; break;
            case "totlen-short": f[EthLength + 2] = 0; f[EthLength + 3] = 30; break; // shorter than IP + TCP
            case "doff4": f[EthLength + 24 + 12] = 4 << 4; break;
        }
        AssertUntouched(O.Run(prog, f, ingressIfindex: VethOf(f)), f);
        Assert.Equal(0, CtEntries);
    }

    [PrivilegedTheory]
    [MemberData(nameof(Programs))]
    public void Program_NonIpv4NonArpFrame_PassesUntouched(string prog)
    {
        var lldp = Arp();
        lldp[12] = 0x88; lldp[13] = 0xcc;
        AssertUntouched(O.Run(prog, lldp, ingressIfindex: IfindexOf(C1)), lldp);
    }

    [PrivilegedFact]
    public void UplinkIn_ArpFrame_PassesUntouched()
    {
        var arp = Arp();
        AssertUntouched(Uplink(arp), arp);
    }
}
