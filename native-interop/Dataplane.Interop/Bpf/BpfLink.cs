using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf.Native;

namespace Dataplane.Interop.Bpf;

/// <summary>
/// An attachment held by a bpf_link. Disposing detaches it, unless it was pinned: a pinned link keeps
/// the program attached after this process exits, until <see cref="Unpin"/> and dispose.
/// </summary>
public sealed class BpfLink : IDisposable
{
    private readonly BpfLinkHandle _handle;

    internal BpfLink(BpfLinkHandle handle, string description)
    {
        _handle = handle;
        Description = description;
    }

    public string Description { get; }
    public string? PinPath { get; private set; }

    public int Fd => Libbpf.bpf_link__fd(_handle.DangerousGetHandle());

    public void Pin(string path)
    {
        int ret = Libbpf.bpf_link__pin(_handle.DangerousGetHandle(), path);
        if (ret < 0) throw InteropException.FromNegativeReturn("pin link", $"{Description} at {path}", ret);
        PinPath = path;
    }

    public void Unpin()
    {
        if (PinPath is null) return;
        int ret = Libbpf.bpf_link__unpin(_handle.DangerousGetHandle());
        if (ret < 0) throw InteropException.FromNegativeReturn("unpin link", PinPath, ret);
        PinPath = null;
    }

    /// <summary>Opens a link pinned by an earlier process (e.g. a daemon before its restart).</summary>
    public static BpfLink OpenPinned(string path)
    {
        var link = Libbpf.bpf_link__open(path);
        if (link == 0) throw InteropException.FromLastError("open pinned link", path);
        var handle = new BpfLinkHandle();
        Marshal.InitHandle(handle, link);
        return new BpfLink(handle, path) { PinPath = path };
    }

    /// <summary>Closes this process's handle; a pinned link stays attached (disconnect first so destroy only closes the fd).</summary>
    public void Dispose()
    {
        if (PinPath is not null && !_handle.IsClosed) Libbpf.bpf_link__disconnect(_handle.DangerousGetHandle());
        _handle.Dispose();
    }
}
