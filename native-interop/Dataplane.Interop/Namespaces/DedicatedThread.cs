namespace Dataplane.Interop.Namespaces;

/// <summary>
/// Runs code on a new OS thread that ends afterwards: namespace changes (setns, unshare) are per
/// thread, so a thread that made them must never go back to a pool.
/// </summary>
internal static class DedicatedThread
{
    public static void Run(Action action) => Run(() => { action(); return 0; });

    public static T Run<T>(Func<T> func)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = func(); }
            catch (Exception e) { error = e; }
        }, maxStackSize: 256 * 1024) { IsBackground = true, Name = "namespaces" };
        thread.Start();
        thread.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }
}
