using System.Runtime.InteropServices;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// Minimal libbpf calls for the data-path tests, written while the shared libbpf layer
/// (Dataplane.Interop, branch libbpf) was not there yet. Test-only; the product uses the shared layer.
/// </summary>
internal static unsafe partial class TestLibbpf
{
    private const string Lib = "libbpf.so.1";
    private const string Libc = "libc";

    [StructLayout(LayoutKind.Sequential)]
    public struct bpf_object_open_opts
    {
        public nuint sz;
        public nint object_name;
        public byte relaxed_maps;
        public nint pin_root_path;
        public uint attach_prog_fd_stub;
        public nint kconfig;
        public nint btf_custom_path;
        public nint kernel_log_buf;
        public nuint kernel_log_size;
        public uint kernel_log_level;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct bpf_test_run_opts
    {
        public nuint sz;
        public void* data_in;
        public void* data_out;
        public uint data_size_in;
        public uint data_size_out;
        public void* ctx_in;
        public void* ctx_out;
        public uint ctx_size_in;
        public uint ctx_size_out;
        public uint retval;
        public int repeat;
        public uint duration;
        public uint flags;
        public uint cpu;
        public uint batch_size;
    }

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__open_file(string path, bpf_object_open_opts* opts);

    [LibraryImport(Lib)]
    public static partial int bpf_object__load(nint obj);

    [LibraryImport(Lib)]
    public static partial void bpf_object__close(nint obj);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__find_map_by_name(nint obj, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__find_program_by_name(nint obj, string name);

    [LibraryImport(Lib)]
    public static partial int bpf_map__fd(nint map);

    [LibraryImport(Lib)]
    public static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(Lib)]
    public static partial int bpf_program__fd(nint prog);

    [LibraryImport(Lib)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Lib)]
    public static partial int bpf_map_delete_elem(int fd, void* key);

    [LibraryImport(Lib)]
    public static partial int bpf_map_get_next_key(int fd, void* key, void* nextKey);

    [LibraryImport(Lib)]
    public static partial int bpf_prog_test_run_opts(int progFd, bpf_test_run_opts* opts);

    [LibraryImport(Lib)]
    public static partial int libbpf_num_possible_cpus();

    [LibraryImport(Lib)]
    public static partial int bpf_prog_attach(int progFd, int attachableFd, int type, uint flags);

    [LibraryImport(Lib)]
    public static partial int bpf_prog_detach2(int progFd, int attachableFd, int type);

    [LibraryImport(Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int mount(string source, string target, string fstype, ulong flags, nint data);
}
