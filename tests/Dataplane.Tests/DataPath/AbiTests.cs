using System.Reflection;
using System.Runtime.InteropServices;
using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.DataPath;

/// <summary>The C# mirrors of dp_abi.h against the BTF of the compiled dp_nat object (cilium's
/// alignchecker idea): sizes, field names, offsets, network-order naming, and no map without a mirror.
/// Reads the ELF only: no privileges needed.</summary>
public sealed class AbiTests
{
    private static readonly Dictionary<string, Type> Mirrors = typeof(BpfTypeAttribute).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<BpfTypeAttribute>() is not null)
        .ToDictionary(t => t.GetCustomAttribute<BpfTypeAttribute>()!.Name);

    public static TheoryData<string> MirrorNames => new(Mirrors.Keys.Order());

    [Theory]
    [MemberData(nameof(MirrorNames))]
    public void Mirror_ComparedWithBtf_SameSizeFieldsAndOffsets(string cName)
    {
        using var btf = new TestBtf(DpNatObject.ObjectPath);
        var mirror = Mirrors[cName];
        var id = btf.FindStruct(cName);
        Assert.True(id != 0, $"struct {cName} is not in the BTF of dp_nat.bpf.o");

        Assert.Equal(btf.Size(id), Marshal.SizeOf(mirror));
        var fields = mirror.GetFields(BindingFlags.Public | BindingFlags.Instance);
        var members = btf.Members(id);
        Assert.Equal(members.Count, fields.Length);
        foreach (var m in members)
        {
            var typedefs = new List<string>();
            btf.Resolve(m.TypeId, typedefs);
            bool networkOrder = typedefs.Any(t => t.StartsWith("__be", StringComparison.Ordinal));
            var expected = Normalize(m.Name) + (networkOrder ? "be" : "");
            var field = fields.SingleOrDefault(f => Normalize(f.Name) == expected);
            Assert.True(field is not null, $"{mirror.Name} has no field for {cName}.{m.Name} (expected a name like {expected}, Be suffix iff __be*)");
            Assert.True(m.BitOffset % 8 == 0, $"{cName}.{m.Name} is a bitfield");
            Assert.Equal((long)(m.BitOffset / 8), (long)Marshal.OffsetOf(mirror, field!.Name));
        }
    }

    [Fact]
    public void Maps_EveryKeyAndValueStruct_HasAMirrorOfTheSameSize()
    {
        using var btf = new TestBtf(DpNatObject.ObjectPath);
        var maps = btf.Maps();
        Assert.Contains(DataPathAbi.MapCt, maps.Keys);
        foreach (var (map, (key, value)) in maps)
        {
            Assert.True(map.Length <= 15, $"map name {map} longer than 15 characters");
            foreach (var (role, type) in new[] { ("key", key), ("value", value) })
            {
                Assert.True(type != 0, $"{map}: no BTF {role} type");
                switch (btf.Kind(type))
                {
                    case TestBtf.KindStruct:
                        var name = btf.Name(type);
                        Assert.True(Mirrors.TryGetValue(name, out var mirror), $"{map} {role} struct {name} has no C# mirror");
                        Assert.Equal(btf.Size(type), Marshal.SizeOf(mirror!));
                        break;
                    case TestBtf.KindInt:
                        Assert.Equal(4, btf.Size(type)); // array indexes, sk_storage fd
                        break;
                    default:
                        Assert.Fail($"{map} {role} has BTF kind {btf.Kind(type)}, expected a struct or a 32-bit int");
                        break;
                }
            }
        }
    }

    [Fact]
    public void DropReasons_IndexesFitTheDropsMap()
    {
        Assert.All(DropReasons.All, r => Assert.InRange(DropReasons.Index(r), 0u, (uint)DataPathAbi.DropSlots - 1));
        Assert.Equal(Enum.GetValues<DropReason>().Length, DropReasons.All.Count());
    }

    private static string Normalize(string name) => name.Replace("_", "").ToLowerInvariant();
}
