using System.Runtime.InteropServices;

namespace Dataplane.ControlPlane.DataPath;

// Mirrors of the IPv6 section of bpf/include/dp_abi.h (see AbiStructs.cs): 16-byte addresses as four
// network-order words, exactly as struct in6_addr holds them.

[BpfType("dp_ct6_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct Ct6Key
{
    public fixed uint SAddrBe[4];
    public fixed uint DAddrBe[4];
    public ushort SPortBe;
    public ushort DPortBe;
    public byte Proto;
    public fixed byte Pad[3];
}

[BpfType("dp_ct6_val"), StructLayout(LayoutKind.Sequential)]
public unsafe struct Ct6Value
{
    /// <summary>CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns).</summary>
    public ulong ExpiresNs;
    public ulong LastSeenNs;
    public ulong Packets;
    public ulong Bytes;
    public fixed uint NatSAddrBe[4];
    public fixed uint NatDAddrBe[4];
    public ushort NatSPortBe;
    public ushort NatDPortBe;
    public uint MappingId;
    public byte State;
    public byte Flags;
    public fixed byte Pad[2];
    /// <summary>CLOCK_MONOTONIC milliseconds of the flow's first packet, modulo 2^32.</summary>
    public uint CreatedMs;
}

[BpfType("dp_portmap6_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct PortMap6Key
{
    /// <summary>All zero = every local IPv6 host address.</summary>
    public fixed uint AddrBe[4];
    public ushort PortBe;
    public byte Proto;
    public byte Pad;
}

[BpfType("dp_portmap6_val"), StructLayout(LayoutKind.Sequential)]
public unsafe struct PortMap6Value
{
    public fixed uint CtrAddrBe[4];
    public ushort CtrPortBe;
    public ushort Pad;
    public uint MappingId;
    public uint Flags;
}

/// <summary>A container's IPv6 address; the value is the IPv4 map's <see cref="EndpointValue"/>.</summary>
[BpfType("dp_endpoint6_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct Endpoint6Key
{
    public fixed uint AddrBe[4];
}

[BpfType("dp_network6_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct Network6Key
{
    public uint PrefixLen;
    public fixed uint AddrBe[4];
}

[BpfType("dp_network6"), StructLayout(LayoutKind.Sequential)]
public unsafe struct Network6Value
{
    public uint NetworkId;
    public uint Flags;
    public fixed uint GatewayBe[4];
}

/// <summary>A local IPv6 address of the host; the value is <see cref="HostAddrValue"/>.</summary>
[BpfType("dp_hostaddr6_key"), StructLayout(LayoutKind.Sequential)]
public unsafe struct HostAddr6Key
{
    public fixed uint AddrBe[4];
}

/// <summary>NAT66 masquerade source for an egress ifindex (key <see cref="IfAddrKey"/>, 0 = the fallback).</summary>
[BpfType("dp_ifaddr6"), StructLayout(LayoutKind.Sequential)]
public unsafe struct IfAddr6Value
{
    public fixed uint AddrBe[4];
    public uint Flags;
}

/// <summary>Per-CPU scratch of IPv6 flow creation and dp_ct6's early-drop candidates, as <see cref="CtRecentValue"/>
/// (Keys holds DataPathAbi.CtRecent dp_ct6_key); never read by user space.</summary>
[BpfType("dp_scratch6"), StructLayout(LayoutKind.Sequential)]
public unsafe struct Scratch6Value
{
    public uint Next;
    public uint Head;
    public fixed byte Keys[DataPathAbi.CtRecent * 40];
    public Ct6Key Scratch;
    public Ct6Key ReplyKey;
    public Ct6Value ReplyVal;
}

/// <summary>dp_sock_orig6: <see cref="SockOrigValue"/> with 16-byte addresses, for AF_INET6 sockets.</summary>
[BpfType("dp_sock_orig6"), StructLayout(LayoutKind.Sequential)]
public unsafe struct SockOrig6Value
{
    public fixed uint AddrBe[4];
    public fixed uint CtrAddrBe[4];
    public ushort PortBe;
    public ushort CtrPortBe;
}
