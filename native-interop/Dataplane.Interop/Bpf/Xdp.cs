using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

public enum XdpMode
{
    /// <summary>Driver (native) mode where the driver has it, generic otherwise.</summary>
    Auto,
    Native,
    Generic,
}

/// <summary>What is attached at an interface's XDP hook.</summary>
public sealed record XdpAttachment(uint ProgramId, XdpMode Mode);

/// <summary>XDP attach, detach and query by ifindex, in the caller's network namespace.</summary>
public static unsafe class Xdp
{
    private const uint XDP_FLAGS_UPDATE_IF_NOEXIST = 1, XDP_FLAGS_SKB_MODE = 2, XDP_FLAGS_DRV_MODE = 4, XDP_FLAGS_REPLACE = 16;
    private const byte XDP_ATTACHED_NONE = 0, XDP_ATTACHED_DRV = 1, XDP_ATTACHED_SKB = 2;

    /// <summary>Attaches <paramref name="program"/>; refuses to replace another program unless told to.</summary>
    public static XdpMode Attach(int ifindex, BpfProgram program, XdpMode mode = XdpMode.Auto, bool replace = false)
    {
        uint flags = replace ? 0 : XDP_FLAGS_UPDATE_IF_NOEXIST;
        if (mode == XdpMode.Auto)
        {
            int native = Libbpf.bpf_xdp_attach(ifindex, program.Fd, flags | XDP_FLAGS_DRV_MODE, null);
            if (native == 0) return XdpMode.Native;
            if (native != -(int)Errno.EOPNOTSUPP && native != -(int)Errno.EINVAL)
                throw InteropException.FromNegativeReturn("attach XDP program", $"{program.Name} on ifindex {ifindex}", native);
            mode = XdpMode.Generic;
        }
        flags |= mode == XdpMode.Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
        int ret = Libbpf.bpf_xdp_attach(ifindex, program.Fd, flags, null);
        if (ret < 0) throw InteropException.FromNegativeReturn("attach XDP program", $"{program.Name} on ifindex {ifindex}", ret,
            ret == -(int)Errno.EBUSY || ret == -(int)Errno.EEXIST ? "another XDP program is attached" : null);
        return mode;
    }

    /// <summary>Detaches <paramref name="program"/> only if it is the one attached (never someone else's).</summary>
    public static void Detach(int ifindex, BpfProgram program)
    {
        var current = Query(ifindex) ?? throw new InteropException("detach XDP program", $"ifindex {ifindex}", Errno.ENOENT, "nothing attached");
        var opts = new bpf_xdp_attach_opts { sz = (nuint)sizeof(bpf_xdp_attach_opts), old_prog_fd = program.Fd };
        uint flags = XDP_FLAGS_REPLACE | (current.Mode == XdpMode.Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
        int ret = Libbpf.bpf_xdp_detach(ifindex, flags, &opts);
        if (ret < 0) throw InteropException.FromNegativeReturn("detach XDP program", $"{program.Name} on ifindex {ifindex}", ret,
            ret == -(int)Errno.EEXIST ? "a different program is attached" : null);
    }

    /// <summary>The attached program, or null.</summary>
    public static XdpAttachment? Query(int ifindex)
    {
        var opts = new bpf_xdp_query_opts { sz = (nuint)sizeof(bpf_xdp_query_opts) };
        int ret = Libbpf.bpf_xdp_query(ifindex, 0, &opts);
        if (ret < 0) throw InteropException.FromNegativeReturn("query XDP", $"ifindex {ifindex}", ret);
        return opts.attach_mode switch
        {
            XDP_ATTACHED_NONE => null,
            XDP_ATTACHED_DRV => new XdpAttachment(opts.drv_prog_id, XdpMode.Native),
            XDP_ATTACHED_SKB => new XdpAttachment(opts.skb_prog_id, XdpMode.Generic),
            _ => new XdpAttachment(opts.prog_id, XdpMode.Auto),
        };
    }
}
