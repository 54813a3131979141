using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Tests.DataPath;

/// <summary>The enumerators of the enums in an object's BTF (dp_abi.h puts its constants there through
/// struct dp_abi_constants): name -> value, read with libbpf, no privileges needed.</summary>
internal static unsafe class BtfEnums
{
    // struct btf_enum { name_off; s32 val; } follows an enum's btf_type, vlen times.
    [StructLayout(LayoutKind.Sequential)]
    private struct BtfEnum
    {
        public uint NameOff;
        public int Value;
    }

    public static IReadOnlyDictionary<string, long> Read(string objectPath, string enumName)
    {
        var btf = Libbpf.btf__parse_elf(objectPath, 0);
        Assert.True(btf != 0, $"no BTF in {objectPath}");
        try
        {
            int id = Libbpf.btf__find_by_name_kind(btf, enumName, (uint)BtfKind.Enum);
            Assert.True(id > 0, $"enum {enumName} is not in the BTF of {objectPath} (is it a member of struct dp_abi_constants?)");
            var t = Libbpf.btf__type_by_id(btf, (uint)id);
            var e = (BtfEnum*)(t + 1);
            var values = new Dictionary<string, long>();
            for (int i = 0; i < (int)(t->info & 0xffff); i++)
                values[Libbpf.Utf8(Libbpf.btf__name_by_offset(btf, e[i].NameOff))!] = e[i].Value;
            return values;
        }
        finally
        {
            Libbpf.btf__free(btf);
        }
    }
}
