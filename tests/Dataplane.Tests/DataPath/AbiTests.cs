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

    private static readonly HashSet<string> ScratchMaps = ["dp_csum_scratch"];

    [Fact]
    public void Maps_EveryKeyAndValueStruct_HasAMirrorOfTheSameSize()
    {
        using var obj = BpfObject.Open(DpNatObject.ObjectPath); // parsed only, nothing loaded
        var btf = obj.Btf;
        Assert.Contains(obj.Maps, m => m.Name == DataPathAbi.MapCt);
        // dp_nat.rodata etc. hold globals, not ABI maps; a ring buffer has records (dp_event), no key or value;
        // scratch maps are the programs' own (unpinned, never read here).
        foreach (var map in obj.Maps.Where(m => !m.Name.Contains('.') && m.Type != BpfMapType.RingBuf && !ScratchMaps.Contains(m.Name)))
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

    // ---- constants: the enums of dp_abi.h as the compiled object's BTF has them ----

    [Fact]
    public void DropReasons_ComparedWithBtf_SameNamesAndValuesAndRange()
    {
        var c = BtfEnums.Read(DpNatObject.ObjectPath, "dp_drop_reason");
        Assert.Equal(DropReasons.Base, c["DP_DROP_BASE"]);
        Assert.Equal(DropReasons.Last, c["DP_DROP_LAST"]);
        AssertSameEnumerators(c.Where(e => e.Key is not ("DP_DROP_BASE" or "DP_DROP_LAST")), "DP_DROP_", EnumMembers<DropReason>());
    }

    [Theory]
    [InlineData("dp_ct_state", "DP_CT_", typeof(CtState))]
    [InlineData("dp_ct_flags", "DP_CT_F_", typeof(CtFlags))]
    [InlineData("dp_network_flags", "DP_NET_F_", typeof(NetworkFlags))]
    [InlineData("dp_portmap_flags", "DP_PORTMAP_F_", typeof(PortMapFlags))]
    [InlineData("dp_family", "DP_AF_", typeof(Family))]
    [InlineData("dp_fwd_path", "DP_FWD_", typeof(ForwardPath))]
    [InlineData("dp_event_type", "DP_EVENT_", typeof(EventType))]
    [InlineData("dp_direction", "DP_DIR_", typeof(Direction))]
    [InlineData("dp_event_prog", "DP_PROG_", typeof(EventProg))]
    public void Enum_ComparedWithBtf_SameNamesAndValues(string cEnum, string prefix, Type mirror)
    {
        var members = Enum.GetNames(mirror).ToDictionary(n => n, n => Convert.ToInt64(Enum.Parse(mirror, n)));
        var c = BtfEnums.Read(DpNatObject.ObjectPath, cEnum);
        if (!c.Values.Contains(0)) members.Remove("None"); // flags: None is C#'s name for "no flag"
        AssertSameEnumerators(c, prefix, members);
    }

    /// <summary>Every numeric constant of DataPathAbi (but the UAPI protocol numbers) is a limit of dp_abi.h
    /// with the same value: CtMaxDefault is DP_CT_MAX_DEFAULT.</summary>
    [Fact]
    public void Limits_ComparedWithBtf_SameValues()
    {
        var c = new[] { "dp_limits", "dp_ct_timeout_class", "dp_obs_limits" }.SelectMany(e => BtfEnums.Read(DpNatObject.ObjectPath, e))
            .ToDictionary(e => Normalize(e.Key), e => e.Value);
        var mirrors = typeof(DataPathAbi).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType != typeof(string) && !f.Name.StartsWith("Proto", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(mirrors);
        foreach (var f in mirrors)
        {
            Assert.True(c.TryGetValue("dp" + Normalize(f.Name), out var value), $"DataPathAbi.{f.Name} has no constant in dp_abi.h's enums");
            Assert.True(Convert.ToInt64(f.GetRawConstantValue()) == value, $"DataPathAbi.{f.Name} = {f.GetRawConstantValue()}, dp_abi.h says {value}");
        }
    }

    /// <summary>ConntrackTimeouts' defaults are dp_abi.h's DP_CT_TO_* (TcpSynSent is DP_CT_TO_SYN_SENT), and
    /// its by-class table has the layout dp_ct_timeout reads.</summary>
    [Fact]
    public void ConntrackTimeouts_ComparedWithBtf_SameDefaultsAndClasses()
    {
        var defaults = new ConntrackTimeouts();
        var members = typeof(ConntrackTimeouts).GetProperties().Where(p => p.PropertyType == typeof(uint))
            .ToDictionary(p => p.Name.StartsWith("Tcp", StringComparison.Ordinal) ? p.Name[3..] : p.Name, p => (long)(uint)p.GetValue(defaults)!);
        AssertSameEnumerators(BtfEnums.Read(DpNatObject.ObjectPath, "dp_ct_timeout_default"), "DP_CT_TO_", members);

        var classes = BtfEnums.Read(DpNatObject.ObjectPath, "dp_ct_timeout_class");
        var byClass = defaults.ByClass();
        Assert.Equal(classes["DP_CT_TIMEOUT_CLASSES"], byClass.Length);
        Assert.Equal(defaults.Icmp, byClass[classes["DP_CT_TIMEOUT_CLASS_ICMP"]]);
        Assert.Equal(defaults.TcpSynSent, byClass[(int)CtState.SynSent]);
        Assert.Equal(defaults.Udp, byClass[(int)CtState.Unreplied]);
    }

    [Fact]
    public void MapAndProgramNames_EveryMirrorNamesOneOfTheObject()
    {
        using var obj = BpfObject.Open(DpNatObject.ObjectPath);
        var names = typeof(DataPathAbi).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);
        Assert.All(names.Where(n => n.Key.StartsWith("Map", StringComparison.Ordinal)), n => Assert.Contains(obj.Maps, m => m.Name == n.Value));
        Assert.All(names.Where(n => n.Key.StartsWith("Prog", StringComparison.Ordinal)), n => obj.Program(n.Value));
    }

    private static Dictionary<string, long> EnumMembers<T>() where T : struct, Enum
        => Enum.GetValues<T>().ToDictionary(v => v.ToString(), v => Convert.ToInt64(v));

    /// <summary>The same enumerators on both sides: DP_DROP_CT_FULL is CtFull, with the same value.</summary>
    private static void AssertSameEnumerators(IEnumerable<KeyValuePair<string, long>> c, string prefix, IReadOnlyDictionary<string, long> mirror)
    {
        var expected = c.ToDictionary(e => Normalize(e.Key[prefix.Length..]), e => e.Value);
        var actual = mirror.ToDictionary(e => Normalize(e.Key), e => e.Value);
        Assert.Equal(expected.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
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

    [GeneratedRegex(@"__be(?:16|32)\s+(\w+)\s*(?:\[\d+\])?\s*;")]
    private static partial Regex BeField();
}
