using System.Runtime.InteropServices;

namespace Dataplane.Tests.DataPath;

/// <summary>Just enough BTF reading (through libbpf's btf__*) for the ABI test: struct layouts
/// and the key/value types of the maps in the .maps section.</summary>
internal sealed unsafe partial class TestBtf : IDisposable
{
    private const string Lib = "libbpf.so.1";
    public const int KindInt = 1, KindPtr = 2, KindStruct = 4, KindTypedef = 8, KindVolatile = 9, KindConst = 10,
        KindRestrict = 11, KindVar = 14, KindDatasec = 15, KindTypeTag = 18;

    private nint _btf;

    public TestBtf(string elfPath)
    {
        _btf = btf__parse_elf(elfPath, 0);
        if (_btf == 0) throw new InvalidOperationException($"btf__parse_elf {elfPath}: errno {Marshal.GetLastPInvokeError()}");
    }

    public readonly record struct Member(string Name, uint TypeId, uint BitOffset);

    public int Kind(uint id) => (int)((Type(id)[1] >> 24) & 0x1f);
    public string Name(uint id) => Marshal.PtrToStringUTF8(btf__name_by_offset(_btf, Type(id)[0])) ?? "";
    public long Size(uint id) => btf__resolve_size(_btf, id);
    private uint Vlen(uint id) => Type(id)[1] & 0xffff;
    private bool KindFlag(uint id) => (Type(id)[1] >> 31) != 0;
    private uint* Type(uint id) => (uint*)btf__type_by_id(_btf, id);

    /// <summary>The type id a typedef/const/volatile/ptr/var points to.</summary>
    public uint Target(uint id) => Type(id)[2];

    public uint FindStruct(string name)
    {
        var id = btf__find_by_name_kind(_btf, name, KindStruct);
        return id > 0 ? (uint)id : 0;
    }

    public List<Member> Members(uint structId)
    {
        var members = new List<Member>();
        var m = Type(structId) + 3;
        for (int i = 0; i < Vlen(structId); i++, m += 3)
        {
            var name = Marshal.PtrToStringUTF8(btf__name_by_offset(_btf, m[0])) ?? "";
            var bitOffset = KindFlag(structId) ? m[2] & 0xffffff : m[2];
            members.Add(new Member(name, m[1], bitOffset));
        }
        return members;
    }

    /// <summary>Skips typedefs and qualifiers; returns the names of the typedefs passed on the way.</summary>
    public uint Resolve(uint id, List<string>? typedefs = null)
    {
        while (Kind(id) is KindTypedef or KindVolatile or KindConst or KindRestrict or KindTypeTag)
        {
            if (Kind(id) == KindTypedef) typedefs?.Add(Name(id));
            id = Target(id);
        }
        return id;
    }

    /// <summary>Map name -> (key type id, value type id), from the BTF-defined maps in .maps.</summary>
    public Dictionary<string, (uint Key, uint Value)> Maps()
    {
        var maps = new Dictionary<string, (uint, uint)>();
        var sec = btf__find_by_name_kind(_btf, ".maps", KindDatasec);
        if (sec <= 0) throw new InvalidOperationException("no .maps section in BTF");
        var info = Type((uint)sec) + 3;
        for (int i = 0; i < Vlen((uint)sec); i++, info += 3)
        {
            uint var = info[0];
            var def = Resolve(Target(var));
            uint key = 0, value = 0;
            foreach (var m in Members(def))
            {
                if (m.Name == "key") key = Resolve(Target(Resolve(m.TypeId)));
                if (m.Name == "value") value = Resolve(Target(Resolve(m.TypeId)));
            }
            maps[Name(var)] = (key, value);
        }
        return maps;
    }

    public void Dispose()
    {
        if (_btf != 0) btf__free(_btf);
        _btf = 0;
    }

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint btf__parse_elf(string path, nint btfExt);

    [LibraryImport(Lib)]
    private static partial void btf__free(nint btf);

    [LibraryImport(Lib)]
    private static partial nint btf__type_by_id(nint btf, uint id);

    [LibraryImport(Lib)]
    private static partial nint btf__name_by_offset(nint btf, uint offset);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int btf__find_by_name_kind(nint btf, string name, uint kind);

    [LibraryImport(Lib)]
    private static partial long btf__resolve_size(nint btf, uint id);
}
