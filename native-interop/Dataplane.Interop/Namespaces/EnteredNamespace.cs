using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Namespaces;

/// <summary>The calling thread inside a network namespace; disposing returns it to where it was (see <see cref="NetworkNamespace.EnterOnCurrentThread"/>).</summary>
public sealed class EnteredNamespace : IDisposable
{
    private readonly NetworkNamespace _original;
    private readonly int _threadId;
    private readonly string _description;
    private bool _left;

    private EnteredNamespace(NetworkNamespace original, string description)
    {
        _original = original;
        _description = description;
        _threadId = gettid();
    }

    internal static EnteredNamespace Enter(NetworkNamespace ns)
    {
        var original = NetworkNamespace.Current();
        var description = ns.Name ?? ns.Description;
        if (setns(ns.Fd, CLONE_NEWNET) != 0)
        {
            var e = InteropException.FromLastError("enter network namespace", description);
            original.Dispose();
            throw e;
        }
        return new EnteredNamespace(original, description);
    }

    /// <summary>Leaves the namespace; throws when called from another thread than the one that entered (that one stays inside).</summary>
    public void Dispose()
    {
        if (_left) return;
        if (gettid() != _threadId)
            throw new InvalidOperationException($"{_description} was entered on thread {_threadId} and must be left from it, not from thread {gettid()}");
        _left = true;
        try
        {
            if (setns(_original.Fd, CLONE_NEWNET) != 0) throw InteropException.FromLastError("return to network namespace", _original.Description);
        }
        finally
        {
            _original.Dispose();
        }
    }
}
