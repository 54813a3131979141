using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.Interop.Bpf;

public class BpfObjectTests
{
    [Fact]
    public void Open_MissingFile_ThrowsEnoentNamingThePath()
    {
        var ex = Assert.Throws<InteropException>(() => BpfObject.Open("/nonexistent/dp_missing.bpf.o"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("/nonexistent/dp_missing.bpf.o", ex.Message);
    }

    [Fact]
    public void Open_NotAnElf_ThrowsNamingTheObject()
    {
        var ex = Assert.Throws<InteropException>(() => BpfObject.Open("garbage, not an ELF"u8, "dp_garbage"));
        Assert.Contains("dp_garbage", ex.Message);
        Assert.NotEqual(Errno.None, ex.Errno);
    }

    [Fact]
    public void Open_File_ListsProgramsAndMapsBeforeLoad()
    {
        using var obj = BpfObject.Open(TestObjects.Counter);
        Assert.False(obj.IsLoaded);
        Assert.Equal("dp_test_counter", obj.Name);
        Assert.Equal([TestObjects.Connect4Program, TestObjects.TcProgram, TestObjects.XdpProgram], obj.Programs.Select(p => p.Name).Order());
        Assert.Contains(obj.Maps, m => m.Name == TestObjects.HooksMap && m.Type == BpfMapType.PerCpuArray && m.KeySize == 4 && m.ValueSize == 16);
        Assert.Contains(obj.Maps, m => m.Name == TestObjects.ProtosMap && m.Type == BpfMapType.Hash && m.MaxEntries == 1024);
    }

    [Fact]
    public void Map_UnknownName_ThrowsListingTheNamesThatExist()
    {
        using var obj = BpfObject.Open(TestObjects.Counter);
        var ex = Assert.Throws<InteropException>(() => obj.Map("dp_nope"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("dp_test_counter/dp_nope", ex.Message);
        Assert.Contains(TestObjects.HooksMap, ex.Message);
    }

    [Fact]
    public void Program_UnknownName_ThrowsListingTheNamesThatExist()
    {
        using var obj = BpfObject.Open(TestObjects.Counter);
        var ex = Assert.Throws<InteropException>(() => obj.Program("dp_nope"));
        Assert.Contains(TestObjects.XdpProgram, ex.Message);
    }

    [Fact]
    public void Fd_BeforeLoad_ThrowsNotLoaded()
    {
        using var obj = BpfObject.Open(TestObjects.Counter);
        var ex = Assert.Throws<InvalidOperationException>(() => obj.Program(TestObjects.XdpProgram).Fd);
        Assert.Contains("not loaded", ex.Message);
    }

    [PrivilegedFact]
    public void Load_FromMemory_ProgramsGetFds()
    {
        using var obj = BpfObject.Open(File.ReadAllBytes(TestObjects.Counter), "dp_from_memory");
        obj.Load();
        Assert.True(obj.IsLoaded);
        Assert.All(obj.Programs, p => Assert.True(p.Fd > 0));
        Assert.Throws<InvalidOperationException>(() => obj.Load());
    }

    [PrivilegedFact]
    public void Load_VerifierRejects_ExceptionCarriesTheVerifierLog()
    {
        using var obj = BpfObject.Open(TestObjects.Reject);
        var ex = Assert.Throws<InteropException>(() => obj.Load());
        Assert.Contains("dp_test_reject", ex.Message);
        Assert.Contains("verifier log", ex.Message);
        Assert.Contains("invalid access to packet", ex.Message);
    }

    [PrivilegedFact]
    public void TestRun_XdpAndTc_VerdictsAndCountersFromTheKernel()
    {
        using var obj = TestObjects.LoadCounter();
        var frame = TestObjects.UdpFrame();

        var xdp = obj.Program(TestObjects.XdpProgram).TestRun(frame);
        var tc = obj.Program(TestObjects.TcProgram).TestRun(frame, repeat: 10);

        Assert.Equal(2, xdp.ReturnValue); // XDP_PASS
        Assert.Equal(frame, xdp.Output);
        Assert.Equal(0, tc.ReturnValue);  // TC_ACT_OK
        var hooks = obj.Map(TestObjects.HooksMap);
        Assert.Equal(1UL, SumPackets(hooks, TestObjects.HookXdp));
        Assert.Equal(10UL, SumPackets(hooks, TestObjects.HookTc));
        Assert.Equal(10UL, obj.Map(TestObjects.ProtosMap).Lookup<TestProtoKey, ulong>(new TestProtoKey(TestObjects.HookTc, 17)));
        Assert.Equal(1UL, obj.Map(TestObjects.ProtosMap).Lookup<TestProtoKey, ulong>(new TestProtoKey(TestObjects.HookXdp, 17)));
    }

    internal static ulong SumPackets(BpfMap hooks, uint hook)
    {
        ulong sum = 0;
        foreach (var c in hooks.LookupPerCpu<uint, TestCounter>(hook)) sum += c.Packets;
        return sum;
    }

    [PrivilegedFact]
    public void Load_RodataKnobSetBeforeLoad_ChangesTheProgramsVerdict()
    {
        using var obj = TestObjects.LoadCounter(tcVerdict: 2); // TC_ACT_SHOT
        Assert.Equal(2, obj.Program(TestObjects.TcProgram).TestRun(TestObjects.UdpFrame()).ReturnValue);
    }
}
