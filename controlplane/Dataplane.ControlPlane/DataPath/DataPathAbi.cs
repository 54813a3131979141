namespace Dataplane.ControlPlane.DataPath;

/// <summary>Constants of bpf/include/dp_abi.h (names, limits, defaults).</summary>
public static class DataPathAbi
{
    public const string ObjectResource = "bpf/dp_nat.bpf.o";

    public const string MapCt = "dp_ct";
    public const string MapPortmap = "dp_portmap";
    public const string MapPortmapAny = "dp_portmap_any";
    public const string MapEndpoints = "dp_endpoints";
    public const string MapNetworks = "dp_networks";
    public const string MapHostAddr = "dp_hostaddr";
    public const string MapIfAddr = "dp_ifaddr";
    public const string MapConfig = "dp_config";
    public const string MapMappingStats = "dp_mapstats";
    public const string MapDrops = "dp_drops";
    public const string MapSockOrig = "dp_sock_orig";
    public const string MapSockOrig6 = "dp_sock_orig6";
    public const string MapFrag = "dp_frag";
    public const string MapCtRecent = "dp_ct_recent";
    public const string MapFwd = "dp_fwd";
    public const string MapDropDir = "dp_drop_dir";
    public const string MapEvents = "dp_events";
    public const string MapEventCtl = "dp_event_ctl";
    public const string MapEventState = "dp_event_state";
    public const string MapCt6 = "dp_ct6";
    public const string MapPortmap6 = "dp_portmap6";
    public const string MapPortmap6Any = "dp_portmap6_any";
    public const string MapEndpoints6 = "dp_endpoints6";
    public const string MapNetworks6 = "dp_networks6";
    public const string MapHostAddr6 = "dp_hostaddr6";
    public const string MapScratch6 = "dp_scratch6";
    public const string MapIfAddr6 = "dp_ifaddr6";

    public const string ProgUplinkIn = "dp_uplink_in";
    public const string ProgVethIn = "dp_veth_in";
    public const string ProgXdpUplink = "dp_xdp_uplink";
    public const string ProgXdpPass = "dp_xdp_pass";
    public const string ProgConnect4 = "dp_connect4";
    public const string ProgSendmsg4 = "dp_sendmsg4";
    public const string ProgRecvmsg4 = "dp_recvmsg4";
    public const string ProgGetpeername4 = "dp_getpeername4";
    public const string ProgConnect6 = "dp_connect6";
    public const string ProgSendmsg6 = "dp_sendmsg6";
    public const string ProgRecvmsg6 = "dp_recvmsg6";
    public const string ProgGetpeername6 = "dp_getpeername6";

    /// <summary>.rodata knob: ports tried per new masquerade flow (at most SnatProbesMax).</summary>
    public const string KnobSnatProbes = "dp_snat_probes";

    public const int CtMaxDefault = 262144;
    public const int MappingIdMax = 16384;
    public const int PortmapAnySlots = 2 * 65536; // DP_PORTMAP_ANY_SLOT(udp, port): TCP ports, then UDP
    public const int DropSlots = 32;
    public const ushort SnatPortMinDefault = 61000;
    public const ushort SnatPortMaxDefault = 65535;
    public const int SnatProbesMax = 64;
    public const int CtTimeoutClasses = 12; // DP_CT_TIMEOUT_CLASSES
    public const int FragMax = 8192;
    public const int FragLifetimeSec = 5;
    public const int CtRecent = 64;
    public const int CtUdpStreamMs = 2000;
    public const int FwdSlots = 8;
    public const int DropDirSlots = 64;
    public const int EventsRingbufBytes = 256 * 1024;
    public const int EventsRateDefault = 1000;
    public const int EventsBurstDefault = 200;
    public const int Ct6MaxDefault = 65536;

    public const byte ProtoIcmp = 1;
    public const byte ProtoTcp = 6;
    public const byte ProtoUdp = 17;
    public const byte ProtoIcmpV6 = 58;
}

/// <summary>enum dp_drop_reason: negative, never overlapping TC_ACT_* or XDP_*.</summary>
public enum DropReason
{
    Unknown = -130,
    DirectRouted = -131,
    CtFull = -132,
    SnatExhausted = -133,
    InterNetwork = -134,
    Icc = -135,
    InternalNetwork = -136,
    NoSnatAddress = -137,
    Rewrite = -138,
    NoEndpoint = -139,
    Fib = -140,
    Fragment = -141,
    CtCollision = -142,
    NoConntrack = -143,
    Unsupported = -144,
    FragNoState = -145,
    Spoofed = -146,
    Malformed = -147,
    Martian = -148,
    BadChecksum = -149,
    CtEarlyDrop = -150,
    ForwardingOff = -151,
}

public static class DropReasons
{
    public const int Base = -130;
    public const int Last = -151;

    /// <summary>Index of a reason in dp_drops (DP_DROP_INDEX).</summary>
    public static uint Index(DropReason reason) => (uint)(Base - (int)reason);

    public static IEnumerable<DropReason> All => Enumerable.Range(0, Base - Last + 1).Select(i => (DropReason)(Base - i));
}

/// <summary>enum dp_family (the kernel's AF_INET, AF_INET6).</summary>
public enum Family : byte
{
    Inet = 2,
    Inet6 = 10,
}

/// <summary>enum dp_ct_state.</summary>
public enum CtState : byte
{
    None = 0,
    SynSent = 1,
    SynRecv = 2,
    Established = 3,
    FinWait = 4,
    CloseWait = 5,
    LastAck = 6,
    TimeWait = 7,
    Close = 8,
    Unreplied = 9,
    Replied = 10,
}

/// <summary>enum dp_ct_flags.</summary>
[Flags]
public enum CtFlags : byte
{
    None = 0,
    Reply = 1 << 0,
    Dnat = 1 << 1,
    Snat = 1 << 2,
    SeenReply = 1 << 3,
    Hairpin = 1 << 4,
}

/// <summary>enum dp_portmap_flags.</summary>
[Flags]
public enum PortMapFlags : uint
{
    None = 0,
    Unguarded = 1 << 0, // the runtime holds the host port itself: the bind guard lets binds through
}

/// <summary>enum dp_network_flags.</summary>
[Flags]
public enum NetworkFlags : uint
{
    None = 0,
    Icc = 1 << 0,
    Internal = 1 << 1,
    Masquerade = 1 << 2,
}
