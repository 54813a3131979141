using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.Interop.Namespaces;

public class NetworkNamespaceTests
{
    private static string UniqueName(string role) => $"dpt-{Environment.ProcessId}-{Random.Shared.Next(0xffffff):x6}-{role}";

    [PrivilegedFact]
    public void Create_Named_VisibleToIpNetnsAndRunEntersIt()
    {
        var name = UniqueName("ns");
        try
        {
            using var ns = NetworkNamespace.Create(name);
            Assert.True(NetworkNamespace.Exists(name));
            Assert.Contains(name, NetworkNamespace.List());
            using var root = NetworkNamespace.Current();
            Assert.NotEqual(root.Cookie, ns.Cookie);
            // Inside, the thread sees the namespace's own /proc/sys/net and its own interfaces (only lo).
            var inside = ns.Run(() => System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name).ToArray());
            Assert.Equal(["lo"], inside);
        }
        finally
        {
            NetworkNamespace.Delete(name);
        }
        Assert.False(NetworkNamespace.Exists(name));
    }

    [PrivilegedFact]
    public void Create_DuplicateName_ThrowsEexistAndKeepsTheFirst()
    {
        var name = UniqueName("dup");
        try
        {
            using var first = NetworkNamespace.Create(name);
            var ex = Assert.Throws<InteropException>(() => NetworkNamespace.Create(name));
            Assert.Equal(Errno.EEXIST, ex.Errno);
            Assert.Contains(name, ex.Message);
            using var reopened = NetworkNamespace.Open(name);
            Assert.Equal(first.Cookie, reopened.Cookie);
        }
        finally
        {
            NetworkNamespace.Delete(name);
        }
    }

    [PrivilegedFact]
    public void Open_Missing_ThrowsEnoentNamingIt()
    {
        var ex = Assert.Throws<InteropException>(() => NetworkNamespace.Open("dpt-no-such-namespace"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("dpt-no-such-namespace", ex.Message);
        Assert.False(NetworkNamespace.Delete("dpt-no-such-namespace"));
    }

    [Fact]
    public void PathOf_InvalidName_Throws()
    {
        Assert.Throws<ArgumentException>(() => NetworkNamespace.PathOf("../etc"));
        Assert.Throws<ArgumentException>(() => NetworkNamespace.PathOf(""));
    }

    [PrivilegedFact]
    public void Sysctl_WriteInsideNamespace_DoesNotChangeTheRootNamespace()
    {
        var name = UniqueName("sysctl");
        using var root = NetworkNamespace.Current();
        var rootValue = Sysctl.Read(root, "net.ipv4.ip_forward");
        try
        {
            using var ns = NetworkNamespace.Create(name);
            // A new namespace inherits the root's IPv4 settings: write the opposite of the root's value.
            var other = rootValue == "1" ? "0" : "1";
            Sysctl.Write(ns, "net.ipv4.ip_forward", other);
            Assert.Equal(other, Sysctl.Read(ns, "net.ipv4.ip_forward"));
            Assert.Equal(rootValue, Sysctl.Read(root, "net.ipv4.ip_forward"));
        }
        finally
        {
            NetworkNamespace.Delete(name);
        }
    }

    [Fact]
    public void Sysctl_InvalidKey_Throws()
    {
        using var root = NetworkNamespace.Current();
        Assert.Throws<ArgumentException>(() => Sysctl.Read(root, "kernel.panic"));
        Assert.Throws<ArgumentException>(() => Sysctl.Read(root, "net.ipv4/../../kernel"));
    }

    [PrivilegedFact]
    public void CreateAnonymous_EnterOnCurrentThread_InsideUntilDisposedThenBack()
    {
        using var root = NetworkNamespace.Current();
        using var fresh = NetworkNamespace.CreateAnonymous();
        Assert.Null(fresh.Name);
        var (inside, after) = RunOnOwnThread(() =>
        {
            ulong cookie;
            using (fresh.EnterOnCurrentThread())
            {
                using var current = NetworkNamespace.Current();
                cookie = current.Cookie;
            }
            using var back = NetworkNamespace.Current();
            return (cookie, back.Cookie);
        });
        Assert.Equal(fresh.Cookie, inside);
        Assert.NotEqual(root.Cookie, inside);
        Assert.Equal(root.Cookie, after);
    }

    [PrivilegedFact]
    public void EnterOnCurrentThread_LeftFromAnotherThread_RefusedAndTheFirstStaysInside()
    {
        using var fresh = NetworkNamespace.CreateAnonymous();
        EnteredNamespace? entered = null;
        var gate = new ManualResetEventSlim();
        var done = new ManualResetEventSlim();
        ulong stillInside = 0;
        var owner = new Thread(() =>
        {
            entered = fresh.EnterOnCurrentThread();
            gate.Set();
            done.Wait();
            using (var current = NetworkNamespace.Current()) stillInside = current.Cookie;
            entered.Dispose();
        });
        owner.Start();
        gate.Wait();
        var e = Assert.Throws<InvalidOperationException>(() => entered!.Dispose());
        Assert.Contains("must be left from it", e.Message);
        done.Set();
        owner.Join();
        Assert.Equal(fresh.Cookie, stillInside);
    }

    private static T RunOnOwnThread<T>(Func<T> func)
    {
        T result = default!;
        var thread = new Thread(() => result = func());
        thread.Start();
        thread.Join();
        return result;
    }
}
