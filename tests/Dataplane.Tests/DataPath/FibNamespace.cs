using System.Collections.Concurrent;
using System.Diagnostics;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// BPF_PROG_TEST_RUN runs in the caller's network namespace, and bpf_fib_lookup answers from it.
/// This gives the masquerade tests a routed namespace of their own: a dedicated thread enters
/// a fresh, anonymous netns (gone when the thread ends) holding the uplink veth up0
/// (198.18.0.1/24, default via 198.18.0.254, permanent neighbours) with forwarding on, and runs
/// the test's work on that thread.
/// The uplink is test fixture, not something the product configures; set up with ip(8) until the
/// shared netlink layer (branch netlink) is merged.
/// </summary>
internal sealed class FibNamespace : IDisposable
{
    public const string Router = "198.18.0.254";
    public static readonly byte[] RouterMac = Convert.FromHexString("02000000fe01");
    public static readonly byte[] ClientMac = Convert.FromHexString("02000000fe09");
    public static readonly byte[] UplinkMac = Convert.FromHexString("02000000aa01");

    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int UplinkIfindex { get; private set; }

    public FibNamespace()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "dpt-dp-fibns" };
        _thread.Start();
        UplinkIfindex = _ready.Task.GetAwaiter().GetResult();
    }

    private void Loop()
    {
        EnteredNamespace? entered = null;
        try
        {
            using (var ns = NetworkNamespace.CreateAnonymous()) entered = ns.EnterOnCurrentThread();
            Ip("link set lo up");
            Ip("link add up0 address 02:00:00:00:aa:01 type veth peer name up1");
            Ip("link set up1 up");
            Ip("link set up0 up");
            Ip("addr add 198.18.0.1/24 dev up0");
            Ip("route add default via 198.18.0.254 dev up0");
            Ip("neigh replace 198.18.0.254 lladdr 02:00:00:00:fe:01 dev up0 nud permanent");
            Ip("neigh replace 198.18.0.9 lladdr 02:00:00:00:fe:09 dev up0 nud permanent");
            File.WriteAllText("/proc/sys/net/ipv4/conf/all/forwarding", "1"); // /proc/sys follows the thread's netns
            File.WriteAllText("/proc/sys/net/ipv4/conf/lo/forwarding", "1");
            _ready.SetResult(int.Parse(IpOutput("-o link show up0").Split(':')[0]));
        }
        catch (Exception e)
        {
            entered?.Dispose();
            _ready.SetException(e);
            return;
        }
        foreach (var work in _work.GetConsumingEnumerable()) work();
        entered.Dispose(); // the namespace goes with its last user
    }

    public T Run<T>(Func<T> f)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try { tcs.SetResult(f()); }
            catch (Exception e) { tcs.SetException(e); }
        });
        return tcs.Task.GetAwaiter().GetResult();
    }

    /// <summary>Runs ip(8) inside the namespace (test fixture only, e.g. extra addresses).</summary>
    public void Exec(string ipArgs) => Run(() => IpOutput(ipArgs));

    private static void Ip(string args) => IpOutput(args);

    // Children fork from the calling thread, so ip(8) runs in this thread's namespace.
    private static string IpOutput(string args)
    {
        var psi = new ProcessStartInfo("ip", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {args}: {error.Trim()}");
        return output;
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
