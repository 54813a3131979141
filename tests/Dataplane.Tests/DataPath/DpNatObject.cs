using System.Runtime.InteropServices;
using Dataplane.ControlPlane.DataPath;
using static Dataplane.Tests.DataPath.TestLibbpf;

namespace Dataplane.Tests.DataPath;

/// <summary>The real bpf/out/dp_nat.bpf.o, loaded with its maps pinned under a throwaway bpffs
/// directory (dpt-dp-PID-RAND), removed on dispose.</summary>
internal sealed unsafe class DpNatObject : IDisposable
{
    public const int TcActOk = 0, TcActShot = 2, TcActRedirect = 7;
    public const int XdpPass = 2, XdpRedirect = 4;
    private const string BpffsRoot = "/sys/fs/bpf";

    private nint _obj;
    private readonly string _pinDir;

    private DpNatObject(nint obj, string pinDir)
    {
        _obj = obj;
        _pinDir = pinDir;
    }

    public static string ObjectPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "bpf", "out", "dp_nat.bpf.o");
                if (File.Exists(path)) return path;
            }
            throw new FileNotFoundException("bpf/out/dp_nat.bpf.o not found above the test binary; run make bpf");
        }
    }

    /// <summary>maxEntries: map name -> max_entries set before load (e.g. a tiny dp_ct).</summary>
    public static DpNatObject Load(IReadOnlyDictionary<string, uint>? maxEntries = null)
    {
        EnsureBpffs();
        var pinDir = Path.Combine(BpffsRoot, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(pinDir);
        var pin = Marshal.StringToCoTaskMemUTF8(pinDir);
        try
        {
            var opts = new bpf_object_open_opts { sz = (nuint)sizeof(bpf_object_open_opts), pin_root_path = pin };
            var obj = bpf_object__open_file(ObjectPath, &opts);
            if (obj == 0) throw new InvalidOperationException($"bpf_object__open_file {ObjectPath}: errno {Marshal.GetLastPInvokeError()}");
            foreach (var (name, n) in maxEntries ?? new Dictionary<string, uint>())
                Check(bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, name), n), $"set_max_entries {name}");
            var err = bpf_object__load(obj);
            if (err != 0)
            {
                bpf_object__close(obj);
                throw new InvalidOperationException($"bpf_object__load: {err}");
            }
            return new DpNatObject(obj, pinDir);
        }
        catch
        {
            Directory.Delete(pinDir, recursive: true);
            throw;
        }
        finally
        {
            Marshal.FreeCoTaskMem(pin);
        }
    }

    private static void EnsureBpffs()
    {
        if (File.ReadAllLines("/proc/self/mounts").Any(l => l.Split(' ') is [_, BpffsRoot, "bpf", ..])) return;
        if (mount("bpf", BpffsRoot, "bpf", 0, 0) != 0)
            throw new InvalidOperationException($"mount bpffs at {BpffsRoot}: errno {Marshal.GetLastPInvokeError()}");
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw new InvalidOperationException($"{what}: {rc}");
    }

    public string PinDir => _pinDir;

    public int MapFd(string name)
    {
        var map = bpf_object__find_map_by_name(_obj, name);
        if (map == 0) throw new ArgumentException($"no map {name}");
        return bpf_map__fd(map);
    }

    public int ProgFd(string name)
    {
        var prog = bpf_object__find_program_by_name(_obj, name);
        if (prog == 0) throw new ArgumentException($"no program {name}");
        return bpf_program__fd(prog);
    }

    public void Update<TK, TV>(string map, TK key, TV value, ulong flags = 0) where TK : unmanaged where TV : unmanaged
        => Check(bpf_map_update_elem(MapFd(map), &key, &value, flags), $"update {map}");

    public bool Delete<TK>(string map, TK key) where TK : unmanaged => bpf_map_delete_elem(MapFd(map), &key) == 0;

    public T[] PerCpu<T>(string map, uint index) where T : unmanaged
    {
        var values = new T[libbpf_num_possible_cpus()];
        fixed (T* p = values)
            Check(bpf_map_lookup_elem(MapFd(map), &index, p), $"lookup {map}[{index}]");
        return values;
    }

    public bool TryLookup<TK, TV>(string map, TK key, out TV value) where TK : unmanaged where TV : unmanaged
    {
        TV v;
        var rc = bpf_map_lookup_elem(MapFd(map), &key, &v);
        value = v;
        return rc == 0;
    }

    public List<TK> Keys<TK>(string map) where TK : unmanaged
    {
        var fd = MapFd(map);
        var keys = new List<TK>();
        TK cur, next;
        var rc = bpf_map_get_next_key(fd, null, &next);
        while (rc == 0)
        {
            keys.Add(next);
            cur = next;
            rc = bpf_map_get_next_key(fd, &cur, &next);
        }
        return keys;
    }

    /// <summary>Sum over CPUs of a per-CPU dp_counter slot.</summary>
    public CounterValue Counter(string map, uint index)
    {
        int cpus = libbpf_num_possible_cpus();
        var values = new CounterValue[cpus];
        fixed (CounterValue* p = values)
            Check(bpf_map_lookup_elem(MapFd(map), &index, p), $"lookup {map}[{index}]");
        return new CounterValue { Packets = (ulong)values.Sum(v => (long)v.Packets), Bytes = (ulong)values.Sum(v => (long)v.Bytes) };
    }

    public CounterValue Drops(DropReason reason) => Counter(DataPathAbi.MapDrops, DropReasons.Index(reason));

    public readonly record struct RunResult(int Verdict, byte[] Output, uint DurationNs);

    public RunResult Run(string prog, byte[] frame, int repeat = 1)
    {
        var rc = TryRun(prog, frame, out var result, repeat);
        Check(rc, $"test_run {prog}");
        return result;
    }

    /// <summary>Returns libbpf's result (0 or -errno) instead of throwing.</summary>
    public int TryRun(string prog, byte[] frame, out RunResult result, int repeat = 1)
    {
        var output = new byte[frame.Length + 256];
        fixed (byte* input = frame)
        fixed (byte* outp = output)
        {
            var opts = new bpf_test_run_opts
            {
                sz = (nuint)sizeof(bpf_test_run_opts),
                data_in = input,
                data_size_in = (uint)frame.Length,
                data_out = outp,
                data_size_out = (uint)output.Length,
                repeat = repeat,
            };
            var rc = bpf_prog_test_run_opts(ProgFd(prog), &opts);
            result = rc == 0 ? new RunResult((int)opts.retval, output[..(int)opts.data_size_out], opts.duration) : default;
            return rc;
        }
    }

    public void Dispose()
    {
        if (_obj != 0) bpf_object__close(_obj);
        _obj = 0;
        if (Directory.Exists(_pinDir)) Directory.Delete(_pinDir, recursive: true);
    }
}
