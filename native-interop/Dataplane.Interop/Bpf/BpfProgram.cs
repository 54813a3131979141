using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf.Native;
using Dataplane.Interop.Native;

namespace Dataplane.Interop.Bpf;

/// <summary>A program of a <see cref="BpfObject"/>: its fd once loaded, test runs, cgroup attachment.</summary>
public sealed unsafe class BpfProgram
{
    private readonly BpfObject _owner;
    private readonly nint _raw;

    internal BpfProgram(BpfObject owner, nint raw)
    {
        _owner = owner;
        _raw = raw;
        Name = Libbpf.Utf8(Libbpf.bpf_program__name(raw))!;
    }

    public string Name { get; }
    public int Type => Libbpf.bpf_program__type(_raw);

    public int Fd
    {
        get
        {
            _owner.ThrowIfNotLoaded("use program", Name);
            return Libbpf.bpf_program__fd(_raw);
        }
    }

    /// <summary>The kernel's id of the loaded program (what tc and XDP queries report).</summary>
    public uint Id
    {
        get
        {
            bpf_prog_info info = default;
            uint len = (uint)sizeof(bpf_prog_info);
            if (Libbpf.bpf_obj_get_info_by_fd(Fd, &info, &len) != 0) throw InteropException.FromLastError("read program info", Name);
            return info.id;
        }
    }

    /// <summary>
    /// Runs the program in the kernel on <paramref name="packet"/> (BPF_PROG_TEST_RUN). With repeat > 1 the
    /// kernel runs it that many times on the same buffer and reports the mean duration per run.
    /// </summary>
    public BpfTestRunResult TestRun(ReadOnlySpan<byte> packet, int repeat = 1, ReadOnlySpan<byte> context = default, int outputCapacity = 0)
    {
        var output = new byte[outputCapacity > 0 ? outputCapacity : packet.Length + 256];
        var ctxOut = context.IsEmpty ? [] : new byte[context.Length];
        fixed (byte* input = packet)
        fixed (byte* outp = output)
        fixed (byte* ctxIn = context)
        fixed (byte* ctxOutP = ctxOut)
        {
            var opts = new bpf_test_run_opts
            {
                sz = (nuint)sizeof(bpf_test_run_opts),
                data_in = input,
                data_size_in = (uint)packet.Length,
                data_out = outp,
                data_size_out = (uint)output.Length,
                ctx_in = context.IsEmpty ? null : ctxIn,
                ctx_size_in = (uint)context.Length,
                ctx_out = context.IsEmpty ? null : ctxOutP,
                ctx_size_out = (uint)ctxOut.Length,
                repeat = repeat,
            };
            if (Libbpf.bpf_prog_test_run_opts(Fd, &opts) != 0)
                throw InteropException.FromLastError("test run", Name, $"{packet.Length}-byte input");
            return new BpfTestRunResult((int)opts.retval, output.AsSpan(0, (int)opts.data_size_out).ToArray(), opts.duration,
                ctxOut.AsSpan(0, (int)Math.Min(opts.ctx_size_out, (uint)ctxOut.Length)).ToArray());
        }
    }

    /// <summary>Attaches to a cgroup v2 directory through a bpf_link (detached when the link is destroyed, unless pinned).</summary>
    public BpfLink AttachCgroup(string cgroupPath)
    {
        int fd = Libc.open(cgroupPath, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0) throw InteropException.FromLastError("open cgroup", cgroupPath);
        using var cgroup = new FileDescriptorHandle(fd);
        var link = Libbpf.bpf_program__attach_cgroup(_raw, cgroup.Fd);
        if (link == 0) throw InteropException.FromLastError("attach program to cgroup", $"{Name} -> {cgroupPath}");
        var handle = new BpfLinkHandle();
        Marshal.InitHandle(handle, link);
        return new BpfLink(handle, $"{Name}@{cgroupPath}");
    }
}

/// <summary>What BPF_PROG_TEST_RUN returned: the verdict, the packet after the program, ns per run.</summary>
public sealed record BpfTestRunResult(int ReturnValue, byte[] Output, uint DurationNs, byte[] ContextOut);
