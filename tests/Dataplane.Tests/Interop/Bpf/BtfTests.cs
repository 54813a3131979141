using Dataplane.Interop;
using Dataplane.Interop.Bpf;

namespace Dataplane.Tests.Interop.Bpf;

public class BtfTests
{
    [Fact]
    public void ParseElf_StructLayout_MatchesTheCSource()
    {
        using var btf = Btf.ParseElf(TestObjects.Counter);
        var key = btf.Struct("dp_test_key");
        Assert.Equal(8, key.Size);
        Assert.Equal(["hook", "proto", "pad"], key.Members.Select(m => m.Name));
        Assert.Equal([0, 4, 5], key.Members.Select(m => m.ByteOffset));
        Assert.Equal(3, btf.Resolve(key.Members[2].TypeId).Size); // __u8 pad[3]
    }

    [Fact]
    public void ParseElf_MapKeyAndValueTypeIds_ResolveThroughTheOpenedObject()
    {
        using var obj = BpfObject.Open(TestObjects.Counter);
        var map = obj.Map(TestObjects.HooksMap);
        var btf = obj.Btf;
        Assert.Equal("dp_test_counter", btf.Resolve(map.BtfValueTypeId).Name);
        Assert.Equal(BtfKind.Int, btf.Resolve(map.BtfKeyTypeId).Kind); // __u32 through its typedef
    }

    [Fact]
    public void Struct_Unknown_ThrowsNamingIt()
    {
        using var btf = Btf.ParseElf(TestObjects.Counter);
        var ex = Assert.Throws<InteropException>(() => btf.Struct("dp_no_such_struct"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("dp_no_such_struct", ex.Message);
    }

    [Fact]
    public void ParseElf_MissingFile_ThrowsEnoent()
    {
        Assert.Equal(Errno.ENOENT, Assert.Throws<InteropException>(() => Btf.ParseElf("/nonexistent.bpf.o")).Errno);
    }
}
