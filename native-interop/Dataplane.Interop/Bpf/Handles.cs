using Dataplane.Interop.Bpf.Native;
using Microsoft.Win32.SafeHandles;

namespace Dataplane.Interop.Bpf;

/// <summary>Owns a struct bpf_object*; closing it releases its maps, programs and their fds.</summary>
internal sealed class BpfObjectHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        Libbpf.bpf_object__close(handle);
        return true;
    }
}

/// <summary>Owns a struct bpf_link*. Destroying an unpinned link detaches it; a pinned one lives on in bpffs.</summary>
internal sealed class BpfLinkHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        Libbpf.bpf_link__destroy(handle);
        return true;
    }
}

/// <summary>Owns a struct btf*.</summary>
internal sealed class BtfHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        Libbpf.btf__free(handle);
        return true;
    }
}

/// <summary>Owns a struct ring_buffer* (its epoll fd and the mmaped ring).</summary>
internal sealed class RingBufferHandle() : SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        Libbpf.ring_buffer__free(handle);
        return true;
    }
}
