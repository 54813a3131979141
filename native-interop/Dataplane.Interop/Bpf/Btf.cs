using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

public enum BtfKind
{
    Unknown = 0, Int = 1, Ptr = 2, Array = 3, Struct = 4, Union = 5, Enum = 6, Fwd = 7, Typedef = 8,
    Volatile = 9, Const = 10, Restrict = 11, Func = 12, FuncProto = 13, Var = 14, DataSec = 15,
    Float = 16, DeclTag = 17, TypeTag = 18, Enum64 = 19,
}

/// <summary>A named field of a struct or union: byte offset and, for bitfields, the bit size.</summary>
public sealed record BtfMember(string Name, uint TypeId, int BitOffset, int BitSize)
{
    public int ByteOffset => BitOffset / 8;
}

/// <summary>A BTF type after following typedefs and qualifiers: kind, name, size, members.</summary>
public sealed record BtfType(uint Id, BtfKind Kind, string Name, int Size, IReadOnlyList<BtfMember> Members);

/// <summary>
/// Type information of a compiled object (btf__parse_elf) or of a loaded object's BTF. Used to check
/// that the C# mirrors of map keys and values match the C structs byte for byte.
/// </summary>
public sealed unsafe class Btf : IDisposable
{
    private readonly BtfHandle? _owned;
    private readonly nint _raw;
    private readonly object? _keepAlive;

    private Btf(BtfHandle? owned, nint raw, object? keepAlive)
    {
        _owned = owned;
        _raw = raw;
        _keepAlive = keepAlive;
    }

    /// <summary>Parses the .BTF section of an ELF object file; needs no privileges.</summary>
    public static Btf ParseElf(string path)
    {
        if (!File.Exists(path)) throw new InteropException("parse BTF", path, Errno.ENOENT, "no such file");
        var raw = Libbpf.btf__parse_elf(path, 0);
        if (raw == 0) throw InteropException.FromLastError("parse BTF", path, "was it compiled with -g?");
        var handle = new BtfHandle();
        Marshal.InitHandle(handle, raw);
        return new Btf(handle, raw, null);
    }

    internal static Btf Borrow(nint raw, object owner) => new(null, raw, owner);

    /// <summary>The struct named <paramref name="name"/> (a typedef to a struct is followed).</summary>
    public BtfType Struct(string name)
    {
        int id = Libbpf.btf__find_by_name_kind(_raw, name, (uint)BtfKind.Struct);
        if (id < 0) id = Libbpf.btf__find_by_name_kind(_raw, name, (uint)BtfKind.Typedef);
        if (id < 0) throw new InteropException("find BTF struct", name, Errno.ENOENT);
        var type = Resolve((uint)id);
        return type.Kind == BtfKind.Struct ? type : throw new InteropException("find BTF struct", name, Errno.EINVAL, $"it is a {type.Kind}");
    }

    /// <summary>The type <paramref name="id"/> after typedefs, const and volatile.</summary>
    public BtfType Resolve(uint id)
    {
        GC.KeepAlive(_keepAlive);
        for (int hops = 0; hops < 32; hops++)
        {
            var t = Libbpf.btf__type_by_id(_raw, id);
            if (t is null) throw new InteropException("read BTF type", $"id {id}", Errno.ENOENT);
            var kind = (BtfKind)((t->info >> 24) & 0x1f);
            if (kind is BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag)
            {
                id = t->size_or_type;
                continue;
            }
            return new BtfType(id, kind, NameOf(t->name_off), SizeOf(kind, t), kind is BtfKind.Struct or BtfKind.Union ? Members(t) : []);
        }
        throw new InteropException("read BTF type", $"id {id}", Errno.ELOOP, "typedef chain too long");
    }

    private IReadOnlyList<BtfMember> Members(btf_type* t)
    {
        int vlen = (int)(t->info & 0xffff);
        bool kflag = (t->info >> 31) != 0;
        var members = new BtfMember[vlen];
        var m = (btf_member*)(t + 1);
        for (int i = 0; i < vlen; i++)
        {
            int bitOffset = (int)(kflag ? m[i].offset & 0xffffff : m[i].offset);
            int bitSize = kflag ? (int)(m[i].offset >> 24) : 0;
            members[i] = new BtfMember(NameOf(m[i].name_off), m[i].type, bitOffset, bitSize);
        }
        return members;
    }

    private int SizeOf(BtfKind kind, btf_type* t) => kind switch
    {
        BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Float or BtfKind.DataSec => (int)t->size_or_type,
        BtfKind.Ptr => 8,
        BtfKind.Array => ArraySize(t),
        _ => 0,
    };

    // struct btf_array { type, index_type, nelems } follows an array's btf_type.
    private int ArraySize(btf_type* t)
    {
        var a = (uint*)(t + 1);
        return Resolve(a[0]).Size * (int)a[2];
    }

    private string NameOf(uint offset) => Libbpf.Utf8(Libbpf.btf__name_by_offset(_raw, offset)) ?? "";

    public void Dispose() => _owned?.Dispose();
}
