using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

public enum TcDirection
{
    Ingress = 1, // BPF_TC_INGRESS
    Egress = 2,  // BPF_TC_EGRESS
}

/// <summary>Our filter's identity on a clsact hook: handle and priority chosen by us, so we touch only our own.</summary>
public readonly record struct TcFilter(int Ifindex, TcDirection Direction, uint Handle, uint Priority);

/// <summary>
/// tc BPF filters (direct action) on a clsact qdisc, in the caller's network namespace. The qdisc is
/// created if missing and never destroyed: destroying clsact would remove other users' filters too,
/// and an empty clsact costs nothing. Only our own filter (handle + priority) is ever replaced or removed.
/// </summary>
public static unsafe class Tc
{
    private const uint BPF_TC_F_REPLACE = 1;

    public static void Attach(TcFilter filter, BpfProgram program, bool replace = false)
    {
        var hook = Hook(filter);
        int ret;
        // libbpf creates clsact with NLM_F_EXCL, so on an interface that has one (a re-adopted veth, an
        // uplink after a restart) the kernel answers EEXIST with "Exclusivity flag on, cannot modify",
        // which libbpf prints as a warning. EEXIST is success here: keep libbpf's text for real failures only.
        using (var printed = LibbpfLog.BeginCapture(quiet: true))
        {
            ret = Libbpf.bpf_tc_hook_create(&hook);
            if (ret < 0 && ret != -(int)Errno.EEXIST)
                throw InteropException.FromNegativeReturn("create clsact qdisc", $"ifindex {filter.Ifindex}", ret,
                    printed.Text.Trim() is { Length: > 0 } text ? text : null);
        }
        var opts = Opts(filter);
        opts.prog_fd = program.Fd;
        opts.flags = replace ? BPF_TC_F_REPLACE : 0;
        ret = Libbpf.bpf_tc_attach(&hook, &opts);
        if (ret < 0) throw InteropException.FromNegativeReturn("attach tc program", Describe(filter, program.Name), ret,
            ret == -(int)Errno.EEXIST ? "a filter with this handle and priority exists" : null);
    }

    /// <summary>Removes our filter; false when it was not there.</summary>
    public static bool Detach(TcFilter filter)
    {
        var hook = Hook(filter);
        var opts = Opts(filter);
        int ret = Libbpf.bpf_tc_detach(&hook, &opts);
        if (ret == -(int)Errno.ENOENT || ret == -(int)Errno.EINVAL && Query(filter) is null) return false;
        if (ret < 0) throw InteropException.FromNegativeReturn("detach tc program", Describe(filter, null), ret);
        return true;
    }

    /// <summary>The id of the program in our filter slot, or null.</summary>
    public static uint? Query(TcFilter filter)
    {
        var hook = Hook(filter);
        var opts = Opts(filter);
        int ret = Libbpf.bpf_tc_query(&hook, &opts);
        if (ret == -(int)Errno.ENOENT || ret == -(int)Errno.EINVAL) return null;
        if (ret < 0) throw InteropException.FromNegativeReturn("query tc filter", Describe(filter, null), ret);
        return opts.prog_id;
    }

    private static bpf_tc_hook Hook(TcFilter f)
    {
        if (f.Ifindex <= 0) throw new ArgumentOutOfRangeException(nameof(f), $"ifindex {f.Ifindex} is not an interface");
        if (f.Handle == 0 || f.Priority == 0 || f.Priority > 0xffff)
            throw new ArgumentOutOfRangeException(nameof(f), "a tc filter needs a non-zero handle and a priority 1..65535");
        return new bpf_tc_hook { sz = (nuint)sizeof(bpf_tc_hook), ifindex = f.Ifindex, attach_point = (int)f.Direction };
    }

    private static bpf_tc_opts Opts(TcFilter f)
        => new() { sz = (nuint)sizeof(bpf_tc_opts), handle = f.Handle, priority = f.Priority };

    private static string Describe(TcFilter f, string? program)
        => $"{program ?? "filter"} on ifindex {f.Ifindex} {f.Direction.ToString().ToLowerInvariant()} handle {f.Handle} prio {f.Priority}";
}
