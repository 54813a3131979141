using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.DataPath;

/// <summary>The real dp_nat object, loaded by the product's loader (<see cref="DataPathProgram"/>, from the
/// embedded resource) with its maps pinned under a throwaway bpffs directory (dpt-dp-PID-RAND) that
/// is removed on dispose. Adds what the tests need: raw map access by name and test runs.</summary>
internal sealed class DpNatObject : IDisposable
{
    public const int TcActOk = 0, TcActShot = 2, TcActRedirect = 7;
    public const int XdpPass = 2, XdpRedirect = 4;

    private readonly DataPathProgram _dp;
    private readonly string _pinDir;

    private DpNatObject(DataPathProgram dp, string pinDir)
    {
        _dp = dp;
        _pinDir = pinDir;
    }

    /// <summary>bpf/out/dp_nat.bpf.o of the checkout (for BTF reads that need the ELF file).</summary>
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

    /// <summary>maxEntries: the dp_ct size set before load (e.g. a tiny table), else the default.</summary>
    public static DpNatObject Load(IReadOnlyDictionary<string, uint>? maxEntries = null)
    {
        LeftoverSweeper.SweepOnce();
        var pinDir = Path.Combine(BpfFs.DefaultRoot, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        var options = new DataPathOptions { PinDirectory = pinDir };
        if (maxEntries is not null && maxEntries.TryGetValue(DataPathAbi.MapCt, out var ct)) options = options with { ConntrackEntries = ct };
        try
        {
            return new DpNatObject(DataPathProgram.Load(options, netnsCookie: 0), pinDir);
        }
        catch
        {
            DataPathProgram.RemovePins(pinDir);
            throw;
        }
    }

    public DataPathMaps Maps => _dp.Maps;

    /// <summary>Published ports as one map: the hash of one-address ports and the every-address slots.</summary>
    internal PortTable<PortMapKey, PortMapValue> Ports => _dp.Ports;
    internal PortTable<PortMap6Key, PortMap6Value> Ports6 => _dp.Ports6;
    public DataPathProgram DataPath => _dp;
    public BpfProgram Program(string name) => _dp.Object.Program(name);
    private BpfMap Map(string name) => _dp.Object.Map(name);

    public void Update<TK, TV>(string map, TK key, TV value, ulong flags = 0) where TK : unmanaged where TV : unmanaged
        => Map(map).Update(key, value, (BpfUpdate)flags);

    public bool TryLookup<TK, TV>(string map, TK key, out TV value) where TK : unmanaged where TV : unmanaged
        => Map(map).TryLookup(key, out value);

    public bool Delete<TK>(string map, TK key) where TK : unmanaged => Map(map).Delete(key);

    public List<TK> Keys<TK>(string map) where TK : unmanaged => Map(map).Keys<TK>();

    /// <summary>Sum over CPUs of a per-CPU dp_counter slot.</summary>
    public CounterValue Counter(string map, uint index)
    {
        var total = new CounterValue();
        foreach (var c in Map(map).LookupPerCpu<uint, CounterValue>(index))
        {
            total.Packets += c.Packets;
            total.Bytes += c.Bytes;
        }
        return total;
    }

    public CounterValue Drops(DropReason reason) => Counter(DataPathAbi.MapDrops, DropReasons.Index(reason));

    public readonly record struct RunResult(int Verdict, byte[] Output, uint DurationNs);

    /// <summary>ingressIfindex: the device the frame arrives on (skb->ingress_ifindex), 0 = none.</summary>
    public RunResult Run(string prog, byte[] frame, int repeat = 1, uint ingressIfindex = 0)
    {
        var r = Program(prog).TestRun(frame, repeat, ingressIfindex == 0 ? default : SkbContext(ingressIfindex));
        return new RunResult(r.ReturnValue, r.Output, r.DurationNs);
    }

    // struct __sk_buff (UAPI, 192 bytes: the kernel wants all of it back); it takes only a few fields from a test run's context,
    // ingress_ifindex (offset 36) among them, without asking for a real device.
    private const int SkbIngressIfindexOffset = 36, SkbContextSize = 192;

    private static byte[] SkbContext(uint ingressIfindex)
    {
        var ctx = new byte[SkbContextSize];
        BitConverter.TryWriteBytes(ctx.AsSpan(SkbIngressIfindexOffset), ingressIfindex);
        return ctx;
    }

    /// <summary>0, or -errno when the kernel refuses the run (e.g. EINVAL for a frame it cannot build).</summary>
    public int TryRun(string prog, byte[] frame, out RunResult result, int repeat = 1, uint ingressIfindex = 0)
    {
        try
        {
            result = Run(prog, frame, repeat, ingressIfindex);
            return 0;
        }
        catch (InteropException e)
        {
            result = default;
            return -(int)e.Errno;
        }
    }

    public void Dispose()
    {
        _dp.Dispose();
        DataPathProgram.RemovePins(_pinDir);
    }
}
