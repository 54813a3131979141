using System.Runtime.InteropServices;

namespace Dataplane.ControlPlane.DataPath;

// Mirrors of bpf/include/dp_abi.h. Field order, sizes and padding must match the C structs;
// DataPathAbiTests compares them with the BTF of bpf/out/dp_nat.bpf.o. Fields ending in Be hold
// network byte order exactly as the kernel stores them.

[BpfType("dp_ct_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct CtKey
{
    public uint SAddrBe;
    public uint DAddrBe;
    public ushort SPortBe;
    public ushort DPortBe;
    public byte Proto;
    public fixed byte Pad[3];
}

[BpfType("dp_ct_val"), StructLayout(LayoutKind.Sequential)]
public unsafe struct CtValue
{
    /// <summary>CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns).</summary>
    public ulong ExpiresNs;
    public ulong LastSeenNs;
    public ulong Packets;
    public ulong Bytes;
    public uint NatSAddrBe;
    public uint NatDAddrBe;
    public ushort NatSPortBe;
    public ushort NatDPortBe;
    public uint MappingId;
    public byte State;
    public byte Flags;
    public fixed byte Pad[2];
    /// <summary>CLOCK_MONOTONIC milliseconds of the flow's first packet, modulo 2^32.</summary>
    public uint CreatedMs;
}

/// <summary>Per CPU: the originals of the last flows created (early-drop candidates) and the scratch of flow
/// creation (never read by user space); Keys holds
/// DataPathAbi.CtRecent dp_ct_key, a FIFO written at Next and read at Head (modulo CtRecent); proto 0 = empty.</summary>
[BpfType("dp_ct_recent"), StructLayout(LayoutKind.Sequential)]
public unsafe struct CtRecentValue
{
    public uint Next;
    public uint Head;
    public fixed byte Keys[DataPathAbi.CtRecent * 16];
    public CtKey Scratch;
    public CtKey ReplyKey;
    public CtValue ReplyVal;
}

/// <summary>A datagram in flight as fragments: addresses 16 bytes wide (IPv4 in the first word), the
/// identification as a 32-bit network-order value, family and protocol.</summary>
[BpfType("dp_frag_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct FragKey
{
    public fixed uint SAddrBe[4];
    public fixed uint DAddrBe[4];
    public uint IdBe;
    public byte Family;
    public byte Proto;
    public fixed byte Pad[2];
}

/// <summary>The ports its first fragment carried, until ExpiresNs (CLOCK_MONOTONIC).</summary>
[BpfType("dp_frag_val"), StructLayout(LayoutKind.Sequential)]
public struct FragValue
{
    public ulong ExpiresNs;
    public ushort SPortBe;
    public ushort DPortBe;
    public uint Pad;
}

[BpfType("dp_portmap_key"), StructLayout(LayoutKind.Sequential)]
public struct PortMapKey
{
    /// <summary>0 = every local host address.</summary>
    public uint AddrBe;
    public ushort PortBe;
    public byte Proto;
    public byte Pad;
}

[BpfType("dp_portmap_val"), StructLayout(LayoutKind.Sequential)]
public struct PortMapValue
{
    public uint CtrAddrBe;
    public ushort CtrPortBe;
    public ushort Pad;
    public uint MappingId;
    public uint Flags;
}

[BpfType("dp_endpoint_key"), StructLayout(LayoutKind.Sequential)]
public struct EndpointKey
{
    public uint AddrBe;
}

[BpfType("dp_endpoint"), StructLayout(LayoutKind.Sequential)]
public unsafe struct EndpointValue
{
    public uint Ifindex;
    public uint NetworkId;
    public fixed byte Mac[6];
    public fixed byte GwMac[6];
    public uint Flags;
}

[BpfType("dp_network_key"), StructLayout(LayoutKind.Sequential)]
public struct NetworkKey
{
    public uint PrefixLen;
    public uint AddrBe;
}

[BpfType("dp_network"), StructLayout(LayoutKind.Sequential)]
public struct NetworkValue
{
    public uint NetworkId;
    public uint Flags;
    public uint GatewayBe;
    public uint Pad;
}

[BpfType("dp_hostaddr_key"), StructLayout(LayoutKind.Sequential)]
public struct HostAddrKey
{
    public uint AddrBe;
}

[BpfType("dp_hostaddr"), StructLayout(LayoutKind.Sequential)]
public struct HostAddrValue
{
    public uint Ifindex;
    public uint Flags;
}

[BpfType("dp_ifaddr_key"), StructLayout(LayoutKind.Sequential)]
public struct IfAddrKey
{
    public uint Ifindex;
}

[BpfType("dp_ifaddr"), StructLayout(LayoutKind.Sequential)]
public struct IfAddrValue
{
    public uint AddrBe;
    public uint Flags;
}

[BpfType("dp_config"), StructLayout(LayoutKind.Sequential)]
public unsafe struct ConfigValue
{
    public ulong NetnsCookie;
    public ushort SnatPortMin;
    public ushort SnatPortMax;
    public uint Flags;
    public fixed uint CtTimeout[DataPathAbi.CtTimeoutClasses];
}

[BpfType("dp_counter"), StructLayout(LayoutKind.Sequential)]
public struct CounterValue
{
    public ulong Packets;
    public ulong Bytes;
}

[BpfType("dp_sock_orig"), StructLayout(LayoutKind.Sequential)]
public struct SockOrigValue
{
    public uint AddrBe;
    public uint CtrAddrBe;
    public ushort PortBe;
    public ushort CtrPortBe;
}
