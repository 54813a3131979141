using System.Runtime.InteropServices;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>dp_sock_orig6: <see cref="SockOrigValue"/> with 16-byte addresses, for AF_INET6 sockets.</summary>
[BpfType("dp_sock_orig6"), StructLayout(LayoutKind.Sequential)]
public unsafe struct SockOrig6Value
{
    public fixed uint AddrBe[4];
    public fixed uint CtrAddrBe[4];
    public ushort PortBe;
    public ushort CtrPortBe;
}
