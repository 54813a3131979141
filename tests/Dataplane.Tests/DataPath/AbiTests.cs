using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;

namespace Dataplane.Tests.DataPath;

/// <summary>The C# mirrors of dp_abi.h against the BTF of the compiled dp_nat object (cilium's
/// alignchecker idea): sizes, field names, offsets, network-order naming, and no map without a mirror.
/// Reads the ELF and the header only: no privileges needed.</summary>
public sealed partial class AbiTests
{
    private static readonly Dictionary<string, Type> Mirrors = typeof(BpfTypeAttribute).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<BpfTypeAttribute>() is not null)
        .ToDictionary(t => t.GetCustomAttribute<BpfTypeAttribute>()!.Name);

    public static TheoryData<string> MirrorNames => new(Mirrors.Keys.Order());

    [Theory]
    [MemberData(nameof(MirrorNames))]
    public void Mirror_ComparedWithBtf_SameSizeFieldsAndOffsets(string cName)
    {
        using var btf = Btf.ParseElf(DpNatObject.ObjectPath);
        var mirror = Mirrors[cName];
        var type = btf.Struct(cName);
        var networkOrder = NetworkOrderFields(cName);

        Assert.Equal(type.Size, Marshal.SizeOf(mirror));
        var fields = mirror.GetFields(BindingFlags.Public | BindingFlags.Instance);
        Assert.Equal(type.Members.Count, fields.Length);
        foreach (var m in type.Members)
        {
            var expected = Normalize(m.Name) + (networkOrder.Contains(m.Name) ? "be" : "");
            var field = fields.SingleOrDefault(f => Normalize(f.Name) == expected);
            Assert.True(field is not null, $"{mirror.Name} has no field for {cName}.{m.Name} (expected a name like {expected}: Be suffix iff __be*)");
            Assert.True(m.BitSize == 0 && m.BitOffset % 8 == 0, $"{cName}.{m.Name} is a bitfield");
            Assert.Equal(m.ByteOffset, (int)Marshal.OffsetOf(mirror, field!.Name));
        }
    }

    [Fact]
    public void Maps_EveryKeyAndValueStruct_HasAMirrorOfTheSameSize()
    {
        using var obj = BpfObject.Open(DpNatObject.ObjectPath); // parsed only, nothing loaded
        var btf = obj.Btf;
        Assert.Contains(obj.Maps, m => m.Name == DataPathAbi.MapCt);
        foreach (var map in obj.Maps.Where(m => !m.Name.Contains('.'))) // dp_nat.rodata etc. hold globals, not ABI maps
        {
            Assert.True(map.Name.Length <= 15, $"map name {map.Name} longer than 15 characters");
            foreach (var (role, id) in new[] { ("key", map.BtfKeyTypeId), ("value", map.BtfValueTypeId) })
            {
                Assert.True(id != 0, $"{map.Name}: no BTF {role} type");
                var type = btf.Resolve(id);
                switch (type.Kind)
                {
                    case BtfKind.Struct:
                        Assert.True(Mirrors.TryGetValue(type.Name, out var mirror), $"{map.Name} {role} struct {type.Name} has no C# mirror");
                        Assert.Equal(type.Size, Marshal.SizeOf(mirror!));
                        break;
                    case BtfKind.Int:
                        Assert.Equal(4, type.Size); // array indexes, sk_storage fd
                        break;
                    default:
                        Assert.Fail($"{map.Name} {role} has BTF kind {type.Kind}, expected a struct or a 32-bit int");
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

    /// <summary>Fields declared __be16/__be32 in struct <paramref name="cName"/> of bpf/include/dp_abi.h
    /// (BTF resolves typedefs away, the header keeps them).</summary>
    private static HashSet<string> NetworkOrderFields(string cName)
    {
        var header = File.ReadAllText(Path.Combine(Path.GetDirectoryName(DpNatObject.ObjectPath)!, "..", "include", "dp_abi.h"));
        var body = StructBody().Matches(header).Single(m => m.Groups[1].Value == cName).Groups[2].Value;
        return BeField().Matches(body).Select(m => m.Groups[1].Value).ToHashSet();
    }

    [GeneratedRegex(@"struct\s+(\w+)\s*\{([^}]*)\};")]
    private static partial Regex StructBody();

    [GeneratedRegex(@"__be(?:16|32)\s+(\w+)\s*;")]
    private static partial Regex BeField();
}
