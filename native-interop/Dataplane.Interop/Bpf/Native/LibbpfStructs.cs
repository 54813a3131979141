using System.Runtime.InteropServices;

namespace Dataplane.Interop.Bpf.Native;

// libbpf 1.1 option structs. libbpf checks `sz` against the size it was built with, so every layout
// is explicit and its size fixed; LibbpfStructLayoutTests compares them with what clang computes
// from /usr/include/bpf.

[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct bpf_object_open_opts
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public byte* object_name;
    [FieldOffset(16)] public byte relaxed_maps;
    [FieldOffset(24)] public byte* pin_root_path;
    // 32: a removed field (attach_prog_fd), kept as a hole by libbpf
    [FieldOffset(40)] public byte* kconfig;
    [FieldOffset(48)] public byte* btf_custom_path;
    [FieldOffset(56)] public byte* kernel_log_buf;
    [FieldOffset(64)] public nuint kernel_log_size;
    [FieldOffset(72)] public uint kernel_log_level;
}

[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct bpf_test_run_opts
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public void* data_in;
    [FieldOffset(16)] public void* data_out;
    [FieldOffset(24)] public uint data_size_in;
    [FieldOffset(28)] public uint data_size_out;
    [FieldOffset(32)] public void* ctx_in;
    [FieldOffset(40)] public void* ctx_out;
    [FieldOffset(48)] public uint ctx_size_in;
    [FieldOffset(52)] public uint ctx_size_out;
    [FieldOffset(56)] public uint retval;
    [FieldOffset(60)] public int repeat;
    [FieldOffset(64)] public uint duration;
    [FieldOffset(68)] public uint flags;
    [FieldOffset(72)] public uint cpu;
    [FieldOffset(76)] public uint batch_size;
}

[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct bpf_map_batch_opts
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public ulong elem_flags;
    [FieldOffset(16)] public ulong flags;
}

[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct bpf_tc_hook
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public int ifindex;
    [FieldOffset(12)] public int attach_point;   // enum bpf_tc_attach_point
    [FieldOffset(16)] public uint parent;
}

[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct bpf_tc_opts
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public int prog_fd;
    [FieldOffset(12)] public uint flags;
    [FieldOffset(16)] public uint prog_id;
    [FieldOffset(20)] public uint handle;
    [FieldOffset(24)] public uint priority;
}

[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct bpf_xdp_attach_opts
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public int old_prog_fd;
}

[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct bpf_xdp_query_opts
{
    [FieldOffset(0)] public nuint sz;
    [FieldOffset(8)] public uint prog_id;
    [FieldOffset(12)] public uint drv_prog_id;
    [FieldOffset(16)] public uint hw_prog_id;
    [FieldOffset(20)] public uint skb_prog_id;
    [FieldOffset(24)] public byte attach_mode;
}

/// <summary>The leading fields of the kernel's struct bpf_prog_info (the kernel fills what fits).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct bpf_prog_info
{
    public uint type;
    public uint id;
}

/// <summary>The leading fields of the kernel's struct bpf_map_info (the kernel fills what fits).</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal unsafe struct bpf_map_info
{
    [FieldOffset(0)] public uint type;
    [FieldOffset(4)] public uint id;
    [FieldOffset(8)] public uint key_size;
    [FieldOffset(12)] public uint value_size;
    [FieldOffset(16)] public uint max_entries;
    [FieldOffset(20)] public uint map_flags;
    [FieldOffset(24)] public fixed byte name[16];
}

/// <summary>struct btf_type: name, info (kind, vlen, kflag) and size-or-type.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct btf_type
{
    public uint name_off;
    public uint info;
    public uint size_or_type;
}

[StructLayout(LayoutKind.Sequential)]
internal struct btf_member
{
    public uint name_off;
    public uint type;
    public uint offset;
}

/// <summary>struct ring_buffer_opts (libbpf 1.x): only its size field.</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct ring_buffer_opts
{
    [FieldOffset(0)] public nuint sz;
}
