using System.Collections.Concurrent;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Dns;

/// <summary>
/// One thread of the daemon's that creates sockets in sandboxes' network namespaces: it enters the
/// namespace a work item names, runs it, and returns to its own. A thread that called setns is never
/// given back to a pool, and a new thread per forwarded query (NetworkNamespace.Run) costs more than
/// the query; this one lives as long as the resolver.
/// </summary>
internal sealed class NamespaceWorker : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public NamespaceWorker()
    {
        _thread = new Thread(() =>
        {
            foreach (var item in _work.GetConsumingEnumerable()) item();
        }, maxStackSize: 256 * 1024) { IsBackground = true, Name = "dns namespaces" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="func"/> inside <paramref name="ns"/> on the worker thread.</summary>
    public Task<T> Run<T>(NetworkNamespace ns, Func<T> func)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                using var inside = ns.EnterOnCurrentThread();
                done.SetResult(func());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
