using System.Net;
using System.Runtime.InteropServices;

namespace Dataplane.ControlPlane.DataPath;

// Mirrors of dp_abi.h's observability part (forward counters, drop/trace events); see AbiStructs.cs.

/// <summary>dp_event_ctl[0]: which event types the data path emits (mask of 1 &lt;&lt; EventType) and the per-CPU bucket.</summary>
[BpfType("dp_event_ctl"), StructLayout(LayoutKind.Sequential)]
public struct EventCtlValue
{
    public uint Mask;
    public uint Rate;
    public uint Burst;
    public uint Pad;
}

/// <summary>dp_event_state[0], per CPU: the token bucket and the fate of events.</summary>
[BpfType("dp_event_state"), StructLayout(LayoutKind.Sequential)]
public struct EventStateValue
{
    public ulong LastNs;
    public ulong TokensMilli;
    public ulong Emitted;
    public ulong RateLimited;
    public ulong Lost;
}

/// <summary>One record of the dp_events ring buffer; addresses in IPv6's shape (IPv4: the first word).</summary>
[BpfType("dp_event"), StructLayout(LayoutKind.Sequential)]
public unsafe struct DataPathEvent
{
    public ulong TsNs;
    public uint Type;
    public int Reason;
    public uint Ifindex;
    public uint Len;
    public fixed uint SAddrBe[4];
    public fixed uint DAddrBe[4];
    public ushort SPortBe;
    public ushort DPortBe;
    public byte Proto;
    public byte Prog;
    public byte Family;
    public byte Pad;

    public IPAddress Source
    {
        get
        {
            fixed (uint* a = SAddrBe) return AddressOf(a, Family);
        }
    }

    public IPAddress Destination
    {
        get
        {
            fixed (uint* a = DAddrBe) return AddressOf(a, Family);
        }
    }

    private static IPAddress AddressOf(uint* words, byte family)
        => family == (byte)DataPath.Family.Inet6 ? new IPAddress(new ReadOnlySpan<byte>(words, 16)) : NetOrder.Addr(words[0]);
}

/// <summary>enum dp_fwd_path: index of dp_fwd.</summary>
public enum ForwardPath : uint
{
    Dnat = 0,
    DnatReply = 1,
    Masquerade = 2,
    MasqReply = 3,
    Hairpin = 4,
    Xdp = 5,
    SockConnect = 6,
    SockSendmsg = 7,
}

/// <summary>enum dp_direction: the second index of dp_drop_dir.</summary>
public enum Direction : uint
{
    Ingress = 0,
    Egress = 1,
}

/// <summary>enum dp_event_type.</summary>
public enum EventType : uint
{
    Drop = 1,
    Trace = 2,
}

/// <summary>enum dp_event_prog: the program that saw the packet.</summary>
public enum EventProg : byte
{
    UplinkIn = 1,
    VethIn = 2,
    Xdp = 3,
}
