using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Interop.Bpf;

/// <summary>
/// tc and XDP attachments through the interop on a real veth (the lab's uplink0, in its fake host
/// namespace), with real packets from the external namespace counted by the test object.
/// </summary>
public sealed class AttachTests : IDisposable
{
    private readonly Lab? _lab = Privileges.IsRoot ? new Lab() : null;
    private Lab Lab => _lab!;

    public void Dispose() => _lab?.Dispose();

    private static TcFilter Ours(int ifindex, uint priority = 0x7e01) => new(ifindex, TcDirection.Ingress, Handle: 0xd7e, Priority: priority);

    private void Ping(int count)
    {
        var (exit, output) = Lab.RunIn(Lab.External, "ping", $"-c {count} -i 0.05 -W 1 {Lab.HostAddress}");
        Assert.True(exit == 0, output);
    }

    [PrivilegedFact]
    public void TcAndXdp_OnAVeth_CountRealPacketsAndDetachCleanly()
    {
        using var obj = TestObjects.LoadCounter();
        int ifindex = Lab.UplinkIndex;
        var filter = Ours(ifindex);
        var mode = Lab.Host.Run(() =>
        {
            Tc.Attach(filter, obj.Program(TestObjects.TcProgram));
            return Xdp.Attach(ifindex, obj.Program(TestObjects.XdpProgram), XdpMode.Generic);
        });
        Assert.Equal(XdpMode.Generic, mode);
        Assert.Equal(obj.Program(TestObjects.TcProgram).Id, Lab.Host.Run(() => Tc.Query(filter)));
        Assert.Equal(new XdpAttachment(obj.Program(TestObjects.XdpProgram).Id, XdpMode.Generic), Lab.Host.Run(() => Xdp.Query(ifindex)));

        Ping(5);

        var hooks = obj.Map(TestObjects.HooksMap);
        Assert.True(BpfObjectTests.SumPackets(hooks, TestObjects.HookXdp) >= 5);
        Assert.True(BpfObjectTests.SumPackets(hooks, TestObjects.HookTc) >= 5);
        Assert.True(obj.Map(TestObjects.ProtosMap).Lookup<TestProtoKey, ulong>(new TestProtoKey(TestObjects.HookTc, 1)) >= 5); // ICMP

        Lab.Host.Run(() =>
        {
            Assert.True(Tc.Detach(filter));
            Xdp.Detach(ifindex, obj.Program(TestObjects.XdpProgram));
            Assert.Null(Tc.Query(filter));
            Assert.Null(Xdp.Query(ifindex));
            Assert.False(Tc.Detach(filter)); // already gone: not an error
        });
        ulong tcBefore = BpfObjectTests.SumPackets(hooks, TestObjects.HookTc);
        Ping(2);
        Assert.Equal(tcBefore, BpfObjectTests.SumPackets(hooks, TestObjects.HookTc)); // detached: nothing counts any more
    }

    [PrivilegedFact]
    public void Tc_AttachAgainOnAnExistingClsact_LibbpfPrintsNothing()
    {
        using var obj = TestObjects.LoadCounter();
        int ifindex = Lab.UplinkIndex;
        var printed = Lab.Host.Run(() =>
        {
            Tc.Attach(Ours(ifindex), obj.Program(TestObjects.TcProgram)); // creates the clsact qdisc
            using var capture = LibbpfLog.BeginCapture();
            // What a daemon restart or a re-adopted veth does: the qdisc and our filter are there already.
            Tc.Attach(Ours(ifindex), obj.Program(TestObjects.TcProgram), replace: true);
            Tc.Attach(Ours(ifindex, priority: 0x7e02), obj.Program(TestObjects.TcProgram));
            return capture.Text;
        });
        Assert.True(printed.Length == 0, $"libbpf printed: {printed}");
        Assert.Equal(obj.Program(TestObjects.TcProgram).Id, Lab.Host.Run(() => Tc.Query(Ours(ifindex, priority: 0x7e02))));
        Lab.Host.Run(() => Tc.Detach(Ours(ifindex)) && Tc.Detach(Ours(ifindex, priority: 0x7e02)));
    }

    [PrivilegedFact]
    public void Tc_DetachOurs_LeavesAnotherUsersFilterOnTheSameHook()
    {
        using var obj = TestObjects.LoadCounter();
        int ifindex = Lab.UplinkIndex;
        var theirs = Ours(ifindex, priority: 0x100) with { Handle = 1 };
        Lab.Host.Run(() =>
        {
            Tc.Attach(theirs, obj.Program(TestObjects.TcProgram));
            Tc.Attach(Ours(ifindex), obj.Program(TestObjects.TcProgram));
            var again = Assert.Throws<InteropException>(() => Tc.Attach(Ours(ifindex), obj.Program(TestObjects.TcProgram)));
            Assert.Equal(Errno.EEXIST, again.Errno);
            Assert.True(Tc.Detach(Ours(ifindex)));
            Assert.NotNull(Tc.Query(theirs)); // the clsact qdisc and the other filter stay
        });
        Ping(2);
        Assert.True(BpfObjectTests.SumPackets(obj.Map(TestObjects.HooksMap), TestObjects.HookTc) >= 2);
        Lab.Host.Run(() => Tc.Detach(theirs));
    }

    [PrivilegedFact]
    public void Xdp_AnotherProgramAttached_RefusedUnlessReplacing()
    {
        using var first = TestObjects.LoadCounter();
        using var second = TestObjects.LoadCounter();
        int ifindex = Lab.UplinkIndex;
        Lab.Host.Run(() =>
        {
            Xdp.Attach(ifindex, first.Program(TestObjects.XdpProgram), XdpMode.Generic);
            var busy = Assert.Throws<InteropException>(() => Xdp.Attach(ifindex, second.Program(TestObjects.XdpProgram), XdpMode.Generic));
            Assert.Contains("another XDP program is attached", busy.Message);
            Assert.Equal(first.Program(TestObjects.XdpProgram).Id, Xdp.Query(ifindex)!.ProgramId);
            var notOurs = Assert.Throws<InteropException>(() => Xdp.Detach(ifindex, second.Program(TestObjects.XdpProgram)));
            Assert.Contains("a different program is attached", notOurs.Message);
            Xdp.Attach(ifindex, second.Program(TestObjects.XdpProgram), XdpMode.Generic, replace: true);
            Assert.Equal(second.Program(TestObjects.XdpProgram).Id, Xdp.Query(ifindex)!.ProgramId);
            Xdp.Detach(ifindex, second.Program(TestObjects.XdpProgram));
        });
    }

    [PrivilegedFact]
    public void Attach_MissingInterface_PreciseErrorNamingIt()
    {
        using var obj = TestObjects.LoadCounter();
        const int missing = 99_999;
        var tc = Assert.Throws<InteropException>(() => Lab.Host.Run(() => Tc.Attach(Ours(missing), obj.Program(TestObjects.TcProgram))));
        Assert.Contains("ifindex 99999", tc.Message);
        var xdp = Assert.Throws<InteropException>(() => Lab.Host.Run(() => Xdp.Attach(missing, obj.Program(TestObjects.XdpProgram))));
        Assert.Contains("ifindex 99999", xdp.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tc.Attach(Ours(0), obj.Program(TestObjects.TcProgram)));
    }
}
