using Dataplane.Interop.Bpf;
using Microsoft.Extensions.Logging;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// The loaded data path: the embedded dp_nat object with its maps pinned under the instance's pin
/// directory (a restarted daemon reuses them, so established flows survive it), the typed map
/// facade, and attach/detach of its programs. Attachments apply in the calling thread's network
/// namespace: call from inside the namespace the daemon manages.
/// </summary>
public sealed class DataPathProgram : IDisposable
{
    // Our tc filter slot on every interface we attach to: fixed, so a restarted daemon finds and
    // replaces its own filter and never touches anyone else's.
    public const uint TcHandle = 0xd9, TcPriority = 0xd9;

    private readonly BpfObject _object;
    private readonly PortTable<PortMapKey, PortMapValue> _ports;
    private readonly PortTable<PortMap6Key, PortMap6Value> _ports6;

    private DataPathProgram(BpfObject obj, DataPathOptions options)
    {
        _object = obj;
        Options = options;
        _ports = new(new KernelMap<PortMapKey, PortMapValue>(obj.Map(DataPathAbi.MapPortmap)),
            obj.Map(DataPathAbi.MapPortmapAny).MapValues<PortMapValue>(), PortSlots.Instance);
        _ports6 = new(new KernelMap<PortMap6Key, PortMap6Value>(obj.Map(DataPathAbi.MapPortmap6)),
            obj.Map(DataPathAbi.MapPortmap6Any).MapValues<PortMap6Value>(), PortSlots6.Instance);
        _ports.MoveEveryAddressEntriesOutOfTheHash(); // pins of a daemon that kept them in the hash
        _ports6.MoveEveryAddressEntriesOutOfTheHash();
        Maps = new DataPathMaps(
            new KernelMap<CtKey, CtValue>(obj.Map(DataPathAbi.MapCt)),
            _ports,
            new KernelMap<EndpointKey, EndpointValue>(obj.Map(DataPathAbi.MapEndpoints)),
            new KernelMap<NetworkKey, NetworkValue>(obj.Map(DataPathAbi.MapNetworks)),
            new KernelMap<HostAddrKey, HostAddrValue>(obj.Map(DataPathAbi.MapHostAddr)),
            new KernelMap<IfAddrKey, IfAddrValue>(obj.Map(DataPathAbi.MapIfAddr)),
            new KernelMap<uint, ConfigValue>(obj.Map(DataPathAbi.MapConfig)),
            new KernelPerCpuArray<CounterValue>(obj.Map(DataPathAbi.MapMappingStats)),
            new KernelPerCpuArray<CounterValue>(obj.Map(DataPathAbi.MapDrops)),
            mappingIdLimit: (uint)obj.Map(DataPathAbi.MapMappingStats).MaxEntries); // ids index the counters
        Maps6 = new DataPathMaps6(
            new KernelMap<Ct6Key, Ct6Value>(obj.Map(DataPathAbi.MapCt6)),
            _ports6,
            new KernelMap<Endpoint6Key, EndpointValue>(obj.Map(DataPathAbi.MapEndpoints6)),
            new KernelMap<Network6Key, Network6Value>(obj.Map(DataPathAbi.MapNetworks6)),
            new KernelMap<HostAddr6Key, HostAddrValue>(obj.Map(DataPathAbi.MapHostAddr6)),
            new KernelMap<IfAddrKey, IfAddr6Value>(obj.Map(DataPathAbi.MapIfAddr6)));
    }

    public DataPathOptions Options { get; }

    /// <summary>Each family's published ports as one map (the hash and the every-address array).</summary>
    internal PortTable<PortMapKey, PortMapValue> Ports => _ports;
    internal PortTable<PortMap6Key, PortMap6Value> Ports6 => _ports6;

    /// <summary>Entries of a map this process counts from its own memory (the every-address port arrays'
    /// published slots), or null: what <see cref="DataPathReader"/> would otherwise copy out of the kernel.</summary>
    public int? CountedInMemory(string map) => map switch
    {
        DataPathAbi.MapPortmapAny => _ports.EveryAddressCount(),
        DataPathAbi.MapPortmap6Any => _ports6.EveryAddressCount(),
        _ => null,
    };

    /// <summary>The published ports of the data path pinned in <paramref name="pinDirectory"/>.</summary>
    internal static PortTable<PortMapKey, PortMapValue> PinnedPorts(string pinDirectory)
        => PortTable<PortMapKey, PortMapValue>.OpenPinned(pinDirectory, DataPathAbi.MapPortmap, DataPathAbi.MapPortmapAny, PortSlots.Instance);
    public DataPathMaps Maps { get; }

    /// <summary>The IPv6 maps.</summary>
    public DataPathMaps6 Maps6 { get; }
    public BpfObject Object => _object;

    /// <summary>Loads dp_nat (from the assembly's embedded resource) and configures the SNAT range.</summary>
    public static DataPathProgram Load(DataPathOptions options, ulong netnsCookie, ILogger? logger = null)
    {
        if (logger is not null) LibbpfLog.Route(logger);
        BpfFs.EnsureMounted();
        BpfFs.CreatePinDirectory(options.PinDirectory);
        var obj = BpfObject.Open(EmbeddedObject(), "dp_nat", new BpfObjectOptions { PinRootPath = options.PinDirectory });
        try
        {
            obj.Map(DataPathAbi.MapCt).SetMaxEntries(options.ConntrackEntries);
            obj.Map(DataPathAbi.MapCt6).SetMaxEntries(options.Conntrack6Entries);
            obj.Map(DataPathAbi.MapPortmap).SetMaxEntries(options.PublishedPorts);
            obj.Map(DataPathAbi.MapMappingStats).SetMaxEntries(options.PublishedPorts + 1); // id 0 = no mapping
            obj.Load();
            var program = new DataPathProgram(obj, options);
            program.Maps.Configure(netnsCookie, options.SnatPortMin, options.SnatPortMax, options.ConntrackTimeouts);
            return program;
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    public static byte[] EmbeddedObject()
    {
        using var stream = typeof(DataPathProgram).Assembly.GetManifestResourceStream(DataPathAbi.ObjectResource)
            ?? throw new InvalidOperationException($"{DataPathAbi.ObjectResource} is not embedded in {typeof(DataPathProgram).Assembly.GetName().Name}: build with make");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Published ports and masquerade replies arrive here: tc ingress of an uplink.</summary>
    public void AttachUplink(int ifindex) => Tc.Attach(Filter(ifindex), Program(DataPathAbi.ProgUplinkIn), replace: true);

    /// <summary>Everything a container sends passes here: tc ingress of its host-side veth.</summary>
    public void AttachEndpoint(int hostVethIfindex) => Tc.Attach(Filter(hostVethIfindex), Program(DataPathAbi.ProgVethIn), replace: true);

    public bool Detach(int ifindex) => Tc.Detach(Filter(ifindex));

    /// <summary>The XDP fast path on an uplink (only for uplinks that deliver complete checksums, see bpf/README.md).</summary>
    public XdpMode AttachUplinkXdp(int ifindex, XdpMode mode = XdpMode.Auto) => Xdp.Attach(ifindex, Program(DataPathAbi.ProgXdpUplink), mode, replace: true);

    /// <summary>The container end of a veth, so it can receive what the uplink's XDP redirects to its peer.</summary>
    public XdpMode AttachContainerXdp(int ifindex) => Xdp.Attach(ifindex, Program(DataPathAbi.ProgXdpPass), XdpMode.Native, replace: true);

    /// <summary>Removes our XDP program from an uplink, if it is ours that is attached.</summary>
    public void DetachUplinkXdp(int ifindex)
    {
        if (Xdp.Query(ifindex) is not null) Xdp.Detach(ifindex, Program(DataPathAbi.ProgXdpUplink));
    }

    /// <summary>
    /// Host processes reaching published ports through 127.0.0.1, [::1] or a host address of either family:
    /// the socket hooks (<see cref="SocketHooks"/>) on
    /// <paramref name="cgroupPath"/>, as links pinned in the pin directory so they outlive the daemon.
    /// An earlier daemon's pinned links are replaced.
    /// </summary>
    public void AttachSocketHooks(string cgroupPath)
    {
        foreach (var name in SocketHooks)
        {
            var pin = Path.Combine(Options.PinDirectory, "link_" + name);
            if (File.Exists(pin)) File.Delete(pin); // the old link detaches when its pin goes
            using var link = Program(name).AttachCgroup(cgroupPath);
            link.Pin(pin);
        }
    }

    public void DetachSocketHooks()
    {
        foreach (var name in SocketHooks)
        {
            var pin = Path.Combine(Options.PinDirectory, "link_" + name);
            if (File.Exists(pin)) File.Delete(pin);
        }
    }

    /// <summary>The cgroup programs <see cref="AttachSocketHooks"/> attaches, both families.</summary>
    public static readonly IReadOnlyList<string> SocketHooks =
    [
        DataPathAbi.ProgConnect4, DataPathAbi.ProgSendmsg4, DataPathAbi.ProgRecvmsg4, DataPathAbi.ProgGetpeername4,
        DataPathAbi.ProgConnect6, DataPathAbi.ProgSendmsg6, DataPathAbi.ProgRecvmsg6, DataPathAbi.ProgGetpeername6,
    ];

    private BpfProgram Program(string name) => _object.Program(name);

    private static TcFilter Filter(int ifindex) => new(ifindex, TcDirection.Ingress, TcHandle, TcPriority);

    /// <summary>Closes this process's handles; pinned maps and links and tc/XDP attachments stay.</summary>
    public void Dispose()
    {
        _ports.Dispose(); // the mappings of the every-address arrays, before the maps they show
        _ports6.Dispose();
        _object.Dispose();
    }

    /// <summary>Removes every pin of the instance: maps and links go once nothing else holds them.</summary>
    public static void RemovePins(string pinDirectory) => BpfFs.RemovePinDirectory(pinDirectory);
}
