namespace Dataplane.ControlPlane.DataPath;

// The cgroup socket hooks of IPv6 sockets (the last section of bpf/include/dp_abi.h).
public static partial class DataPathAbi
{
    public const string MapSockOrig6 = "dp_sock_orig6";

    public const string ProgConnect6 = "dp_connect6";
    public const string ProgSendmsg6 = "dp_sendmsg6";
    public const string ProgRecvmsg6 = "dp_recvmsg6";
    public const string ProgGetpeername6 = "dp_getpeername6";
}
