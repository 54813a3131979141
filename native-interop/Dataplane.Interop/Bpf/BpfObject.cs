using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

/// <summary>
/// A compiled BPF object in two stages: opened (maps and globals may still be sized and set), then
/// loaded (programs verified, maps created or reused from their pins). Names are resolved when
/// asked for, and a missing name fails loudly with the names that do exist.
/// </summary>
public sealed unsafe class BpfObject : IDisposable
{
    private readonly BpfObjectHandle _handle;
    private readonly Dictionary<string, BpfMap> _maps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfProgram> _programs = new(StringComparer.Ordinal);

    private BpfObject(BpfObjectHandle handle, string name)
    {
        _handle = handle;
        Name = name;
        for (nint m = Libbpf.bpf_object__next_map(handle.DangerousGetHandle(), 0); m != 0; m = Libbpf.bpf_object__next_map(handle.DangerousGetHandle(), m))
            _maps[Libbpf.Utf8(Libbpf.bpf_map__name(m))!] = new BpfMap(this, m);
        for (nint p = Libbpf.bpf_object__next_program(handle.DangerousGetHandle(), 0); p != 0; p = Libbpf.bpf_object__next_program(handle.DangerousGetHandle(), p))
            _programs[Libbpf.Utf8(Libbpf.bpf_program__name(p))!] = new BpfProgram(this, p);
    }

    public string Name { get; }
    public bool IsLoaded { get; private set; }
    public IReadOnlyCollection<BpfMap> Maps => _maps.Values;
    public IReadOnlyCollection<BpfProgram> Programs => _programs.Values;

    /// <summary>Opens an ELF object file; nothing reaches the kernel until <see cref="Load"/>.</summary>
    public static BpfObject Open(string path, BpfObjectOptions? options = null)
    {
        if (!File.Exists(path))
            throw new InteropException("open BPF object", path, Errno.ENOENT, "no such file");
        return OpenWith(path, options, o => Libbpf.bpf_object__open_file(path, o));
    }

    /// <summary>Opens an object from memory (e.g. an embedded resource) under <paramref name="name"/>.</summary>
    public static BpfObject Open(ReadOnlySpan<byte> elf, string name, BpfObjectOptions? options = null)
    {
        // libbpf keeps pointers into the buffer until the object is closed: copy it to native memory it owns.
        var copy = elf.ToArray();
        var pinned = GCHandle.Alloc(copy, GCHandleType.Pinned);
        try
        {
            var obj = OpenWith(name, options, o => Libbpf.bpf_object__open_mem((void*)pinned.AddrOfPinnedObject(), (nuint)copy.Length, o), name);
            obj._elfCopy = pinned;
            return obj;
        }
        catch
        {
            pinned.Free();
            throw;
        }
    }

    private GCHandle _elfCopy;

    private delegate nint Opener(bpf_object_open_opts* opts);

    private static BpfObject OpenWith(string target, BpfObjectOptions? options, Opener open, string? objectName = null)
    {
        options ??= new BpfObjectOptions();
        var namePtr = objectName is null ? 0 : Marshal.StringToCoTaskMemUTF8(objectName);
        var pinPtr = options.PinRootPath is null ? 0 : Marshal.StringToCoTaskMemUTF8(options.PinRootPath);
        try
        {
            var opts = new bpf_object_open_opts
            {
                sz = (nuint)sizeof(bpf_object_open_opts),
                object_name = (byte*)namePtr,
                pin_root_path = (byte*)pinPtr,
                kernel_log_level = options.KernelLogLevel,
            };
            using var printed = LibbpfLog.BeginCapture();
            nint obj = open(&opts);
            if (obj == 0)
                throw new InteropException("open BPF object", target, (Errno)Marshal.GetLastPInvokeError(), LastLines(printed.Text, 5));
            var handle = new BpfObjectHandle();
            Marshal.InitHandle(handle, obj);
            return new BpfObject(handle, Libbpf.Utf8(Libbpf.bpf_object__name(obj)) ?? target);
        }
        finally
        {
            Marshal.FreeCoTaskMem(namePtr);
            Marshal.FreeCoTaskMem(pinPtr);
        }
    }

    /// <summary>Verifies and loads every program and creates (or reuses pinned) maps.</summary>
    public void Load()
    {
        ThrowIfLoaded("load");
        using var printed = LibbpfLog.BeginCapture();
        int ret = Libbpf.bpf_object__load(Raw);
        if (ret < 0)
            throw InteropException.FromNegativeReturn("load BPF object", Name, ret, VerifierLog(printed.Text));
        IsLoaded = true;
    }

    public BpfMap Map(string name) => _maps.TryGetValue(name, out var map)
        ? map
        : throw new InteropException("find map", $"{Name}/{name}", Errno.ENOENT, $"the object has maps: {string.Join(", ", _maps.Keys.Order())}");

    public BpfProgram Program(string name) => _programs.TryGetValue(name, out var prog)
        ? prog
        : throw new InteropException("find program", $"{Name}/{name}", Errno.ENOENT, $"the object has programs: {string.Join(", ", _programs.Keys.Order())}");

    /// <summary>The object's own BTF (types of its maps and globals); valid while the object lives.</summary>
    public Btf Btf
    {
        get
        {
            var btf = Libbpf.bpf_object__btf(Raw);
            return btf == 0
                ? throw new InteropException("read BTF", Name, Errno.ENODATA, "the object was compiled without -g")
                : Btf.Borrow(btf, this);
        }
    }

    internal nint Raw => _handle.DangerousGetHandle();

    internal void ThrowIfLoaded(string operation)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (IsLoaded) throw new InvalidOperationException($"{operation} '{Name}': the object is already loaded");
    }

    internal void ThrowIfNotLoaded(string operation, string what)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!IsLoaded) throw new InvalidOperationException($"{operation} '{what}': object '{Name}' is not loaded yet");
    }

    public void Dispose()
    {
        _handle.Dispose();
        if (_elfCopy.IsAllocated) _elfCopy.Free();
    }

    private static string? LastLines(string text, int count)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? null : string.Join(" | ", lines.TakeLast(count));
    }

    /// <summary>The verifier's log if libbpf printed one, else the last lines libbpf printed.</summary>
    private static string? VerifierLog(string printed)
    {
        const string begin = "-- BEGIN PROG LOAD LOG --", end = "-- END PROG LOAD LOG --";
        int b = printed.IndexOf(begin, StringComparison.Ordinal);
        if (b < 0) return LastLines(printed, 8);
        int e = printed.IndexOf(end, b, StringComparison.Ordinal);
        var log = printed[(b + begin.Length)..(e < 0 ? printed.Length : e)].Trim();
        var lines = log.Split('\n');
        return "verifier log (tail):\n" + string.Join('\n', lines.TakeLast(20));
    }
}
