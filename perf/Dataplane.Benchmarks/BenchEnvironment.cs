using System.Net;
using System.Net.NetworkInformation;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;

namespace Dataplane.Benchmarks;

/// <summary>
/// What the privileged suites need: root, the real dp_nat loaded by the product's loader with its
/// maps pinned under /sys/fs/bpf/dpbdn-PID-RAND, and for the program runs a network namespace
/// dpbdn-PID-fib of their own. Everything is removed on dispose; what a crashed run left behind
/// (a dpbdn-PID-* whose process is gone) is removed by the next one. Nothing is attached to any
/// interface and the root namespace's networking is never changed.
/// </summary>
internal static class BenchEnvironment
{
    public const string Prefix = "dpbdn-";
    public static string Tag => $"{Prefix}{Environment.ProcessId}-";

    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("this suite loads BPF programs and creates a network namespace: run it as root");
    }

    /// <summary>Pins and namespaces of benchmark processes that are no longer running.</summary>
    public static void SweepLeftovers()
    {
        foreach (var dir in SafeList(() => Directory.GetDirectories(BpfFs.DefaultRoot, Prefix + "*")))
            if (IsStale(Path.GetFileName(dir))) DataPathProgram.RemovePins(dir);
        foreach (var name in SafeList(() => NetworkNamespace.List().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToArray()))
            if (IsStale(name)) NetworkNamespace.Delete(name);
    }

    private static IEnumerable<string> SafeList(Func<string[]> list)
    {
        try { return list(); }
        catch (DirectoryNotFoundException) { return []; }
    }

    private static bool IsStale(string name)
    {
        var parts = name.Split('-');
        return parts.Length >= 3 && int.TryParse(parts[1], out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");
    }
}

/// <summary>The real data path, pinned under a throwaway directory.</summary>
internal sealed class BenchDataPath : IDisposable
{
    private readonly string _pinDir;

    private BenchDataPath(DataPathProgram program, string pinDir)
    {
        Program = program;
        _pinDir = pinDir;
    }

    public DataPathProgram Program { get; }
    public DataPathMaps Maps => Program.Maps;

    public static BenchDataPath Load()
    {
        BenchEnvironment.RequireRoot();
        BenchEnvironment.SweepLeftovers();
        var pinDir = Path.Combine(BpfFs.DefaultRoot, BenchEnvironment.Tag + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Cookie 0: the socket hooks are never attached here.
            return new BenchDataPath(DataPathProgram.Load(new DataPathOptions { PinDirectory = pinDir }, netnsCookie: 0), pinDir);
        }
        catch
        {
            DataPathProgram.RemovePins(pinDir);
            throw;
        }
    }

    public void Dispose()
    {
        Program.Dispose();
        DataPathProgram.RemovePins(_pinDir);
    }
}

/// <summary>
/// BPF_PROG_TEST_RUN runs in the caller's namespace and bpf_fib_lookup answers from it: a routed
/// namespace (uplink veth up0 198.18.0.1/24, default via 198.18.0.254, permanent neighbours,
/// forwarding on) that the calling thread enters and leaves.
/// </summary>
internal sealed class BenchNamespace : IDisposable
{
    public const string Host = "198.18.0.1", Router = "198.18.0.254", Client = "198.18.0.9";
    private readonly string _name;
    private readonly NetworkNamespace _ns;
    private EnteredNamespace? _entered;

    private BenchNamespace(string name, NetworkNamespace ns, int uplinkIfindex, int containerIfindex)
    {
        _name = name;
        _ns = ns;
        UplinkIfindex = uplinkIfindex;
        ContainerIfindex = containerIfindex;
    }

    public int UplinkIfindex { get; }

    /// <summary>A container's host-side veth (ctr0, forwarding on): where dp_veth_in's frames arrive.</summary>
    public int ContainerIfindex { get; }

    public static BenchNamespace Create()
    {
        BenchEnvironment.RequireRoot();
        BenchEnvironment.SweepLeftovers();
        var name = BenchEnvironment.Tag + "fib";
        var ns = NetworkNamespace.Create(name);
        try
        {
            using var nl = RtNetlink.Open(ns);
            nl.SetUp("lo");
            nl.CreateVeth("up0", "up1", mac: PhysicalAddress.Parse("02-00-00-00-aa-01"));
            nl.SetUp("up1");
            nl.SetUp("up0");
            nl.CreateVeth("ctr0", "ctr1", mac: PhysicalAddress.Parse("0a-00-00-00-00-fe"));
            nl.SetUp("ctr1");
            nl.SetUp("ctr0");
            nl.AddAddress("up0", IPAddress.Parse(Host), 24);
            nl.AddRoute(null, 0, IPAddress.Parse(Router));
            nl.AddNeighbour("up0", IPAddress.Parse(Router), PhysicalAddress.Parse("02-00-00-00-fe-01"));
            nl.AddNeighbour("up0", IPAddress.Parse(Client), PhysicalAddress.Parse("02-00-00-00-fe-09"));
            Sysctl.Write(ns, "net.ipv4.conf.all.forwarding", "1");
            Sysctl.Write(ns, "net.ipv4.conf.lo.forwarding", "1");
            return new BenchNamespace(name, ns, nl.IndexOf("up0"), nl.IndexOf("ctr0"));
        }
        catch
        {
            ns.Dispose();
            NetworkNamespace.Delete(name);
            throw;
        }
    }

    /// <summary>Moves the calling thread into the namespace (BenchmarkDotNet runs setup, iterations and cleanup on one thread).</summary>
    public void Enter() => _entered = _ns.EnterOnCurrentThread();

    /// <summary>Moves another thread in too, until the result is disposed (on that thread).</summary>
    public EnteredNamespace EnterOtherThread() => _ns.EnterOnCurrentThread();

    public void Dispose()
    {
        try
        {
            _entered?.Dispose();
        }
        catch (Exception e) when (e is InvalidOperationException or InteropException)
        {
            Console.Error.WriteLine($"// {_name}: {e.Message}");
        }
        _entered = null;
        _ns.Dispose();
        NetworkNamespace.Delete(_name);
    }
}
