using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dataplane.Interop.Bpf.Native;

/// <summary>
/// libbpf 1.1 entry points, names verbatim. Pointer-returning calls return NULL and set errno;
/// int-returning calls return -errno.
/// </summary>
internal static unsafe partial class Libbpf
{
    public const string Library = "libbpf.so.1";

    // ---- objects ----
    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__open_file(string path, bpf_object_open_opts* opts);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint bpf_object__open_mem(void* objBuf, nuint objBufSz, bpf_object_open_opts* opts);

    [LibraryImport(Library)]
    public static partial int bpf_object__load(nint obj);

    [LibraryImport(Library)]
    public static partial void bpf_object__close(nint obj);

    [LibraryImport(Library)]
    public static partial nint bpf_object__name(nint obj);

    [LibraryImport(Library)]
    public static partial nint bpf_object__btf(nint obj);

    [LibraryImport(Library)]
    public static partial nint bpf_object__next_map(nint obj, nint prev);

    [LibraryImport(Library)]
    public static partial nint bpf_object__next_program(nint obj, nint prev);

    // ---- maps of an object ----
    [LibraryImport(Library)]
    public static partial nint bpf_map__name(nint map);

    [LibraryImport(Library)]
    public static partial int bpf_map__fd(nint map);

    [LibraryImport(Library)]
    public static partial int bpf_map__type(nint map);

    [LibraryImport(Library)]
    public static partial uint bpf_map__key_size(nint map);

    [LibraryImport(Library)]
    public static partial uint bpf_map__value_size(nint map);

    [LibraryImport(Library)]
    public static partial uint bpf_map__max_entries(nint map);

    [LibraryImport(Library)]
    public static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(Library)]
    public static partial uint bpf_map__btf_key_type_id(nint map);

    [LibraryImport(Library)]
    public static partial uint bpf_map__btf_value_type_id(nint map);

    [LibraryImport(Library)]
    public static partial void* bpf_map__initial_value(nint map, nuint* size);

    [LibraryImport(Library)]
    public static partial int bpf_map__set_initial_value(nint map, void* data, nuint size);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_map__pin(nint map, string path);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_map__unpin(nint map, string? path);

    // ---- programs of an object ----
    [LibraryImport(Library)]
    public static partial nint bpf_program__name(nint prog);

    [LibraryImport(Library)]
    public static partial int bpf_program__fd(nint prog);

    [LibraryImport(Library)]
    public static partial int bpf_program__type(nint prog);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint bpf_program__attach_cgroup(nint prog, int cgroupFd);

    // ---- links ----
    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_link__open(string path);

    [LibraryImport(Library)]
    public static partial int bpf_link__fd(nint link);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_link__pin(nint link, string path);

    [LibraryImport(Library)]
    public static partial int bpf_link__unpin(nint link);

    [LibraryImport(Library)]
    public static partial void bpf_link__disconnect(nint link);

    [LibraryImport(Library)]
    public static partial int bpf_link__destroy(nint link);

    // ---- map fd operations (bpf.h) ----
    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_delete_elem(int fd, void* key);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_get_next_key(int fd, void* key, void* nextKey);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_lookup_batch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_update_batch(int fd, void* keys, void* values, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_map_delete_batch(int fd, void* keys, uint* count, bpf_map_batch_opts* opts);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_obj_get(string path);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_obj_pin(int fd, string path);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_obj_get_info_by_fd(int fd, void* info, uint* infoLen);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int bpf_prog_test_run_opts(int progFd, bpf_test_run_opts* opts);

    [LibraryImport(Library)]
    public static partial int libbpf_num_possible_cpus();

    // ---- XDP and tc ----
    [LibraryImport(Library)]
    public static partial int bpf_xdp_attach(int ifindex, int progFd, uint flags, bpf_xdp_attach_opts* opts);

    [LibraryImport(Library)]
    public static partial int bpf_xdp_detach(int ifindex, uint flags, bpf_xdp_attach_opts* opts);

    [LibraryImport(Library)]
    public static partial int bpf_xdp_query(int ifindex, int flags, bpf_xdp_query_opts* opts);

    [LibraryImport(Library)]
    public static partial int bpf_tc_hook_create(bpf_tc_hook* hook);

    [LibraryImport(Library)]
    public static partial int bpf_tc_attach(bpf_tc_hook* hook, bpf_tc_opts* opts);

    [LibraryImport(Library)]
    public static partial int bpf_tc_detach(bpf_tc_hook* hook, bpf_tc_opts* opts);

    [LibraryImport(Library)]
    public static partial int bpf_tc_query(bpf_tc_hook* hook, bpf_tc_opts* opts);

    // ---- BTF ----
    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint btf__parse_elf(string path, nint btfExt);

    [LibraryImport(Library)]
    public static partial void btf__free(nint btf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int btf__find_by_name_kind(nint btf, string name, uint kind);

    [LibraryImport(Library)]
    public static partial btf_type* btf__type_by_id(nint btf, uint id);

    [LibraryImport(Library)]
    public static partial nint btf__name_by_offset(nint btf, uint offset);

    [LibraryImport(Library)]
    public static partial uint btf__type_cnt(nint btf);

    // ---- logging ----
    [LibraryImport(Library)]
    public static partial nint libbpf_set_print(delegate* unmanaged[Cdecl]<int, nint, nint, int> fn);

    public static string? Utf8(nint p) => p == 0 ? null : Marshal.PtrToStringUTF8(p);

    // ---- ring buffers ----
    /// <summary>sample_cb: int (*)(void *ctx, void *data, size_t size); a non-zero return stops the poll.</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial nint ring_buffer__new(int mapFd, delegate* unmanaged[Cdecl]<nint, void*, nuint, int> sampleCb, nint ctx, ring_buffer_opts* opts);

    /// <summary>Records consumed, or -errno (-EINTR when a signal interrupted epoll_wait).</summary>
    [LibraryImport(Library)]
    public static partial int ring_buffer__poll(nint rb, int timeoutMs);

    [LibraryImport(Library)]
    public static partial void ring_buffer__free(nint rb);
}
