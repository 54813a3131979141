using System.Diagnostics;
using System.Net;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;

namespace Dataplane.Tests.Support.Topology;

/// <summary>A container namespace of a lab: its address and the host side of its veth.</summary>
public sealed record LabContainer(NetworkNamespace Namespace, IPAddress Address, string HostVeth, int HostVethIndex, System.Net.NetworkInformation.PhysicalAddress Mac);

/// <summary>
/// A throwaway topology: a fake "host" namespace (forwarding on, inside it only), an "external
/// client" namespace joined to it by uplink0 (198.18.0.1/24) / eth0 (198.18.0.2/24), and container
/// namespaces added on demand. Everything is removed on dispose, processes first.
/// </summary>
public sealed class Lab : IDisposable
{
    public static readonly IPAddress HostAddress = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress ExternalAddress = IPAddress.Parse("198.18.0.2");
    public const string Uplink = "uplink0";

    private readonly NamespaceSet _spaces = new();
    private readonly List<Process> _background = [];
    private int _containers;

    public Lab()
    {
        try
        {
            Host = _spaces.Create("host");
            External = _spaces.Create("ext");
            HostLinks = RtNetlink.Open(Host);
            Sysctl.Write(Host, "net.ipv4.ip_forward", "1");
            HostLinks.SetUp("lo");
            HostLinks.CreateVeth(Uplink, "eth0", External);
            HostLinks.AddAddress(Uplink, HostAddress, 24);
            HostLinks.SetUp(Uplink);
            using var ext = RtNetlink.Open(External);
            ext.SetUp("lo");
            ext.AddAddress("eth0", ExternalAddress, 24);
            ext.SetUp("eth0");
            ext.AddRoute(null, 0, HostAddress);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetworkNamespace Host { get; } = null!;
    public NetworkNamespace External { get; } = null!;

    /// <summary>rtnetlink in the fake host namespace.</summary>
    public RtNetlink HostLinks { get; } = null!;

    public int UplinkIndex => HostLinks.IndexOf(Uplink);

    /// <summary>
    /// A container namespace whose eth0 (address/prefix, default route via gateway) is paired with a
    /// host-side veth; attached to <paramref name="bridge"/> when given (created with the gateway
    /// address if missing), else routed: the host gets a /32 route to the container over the veth.
    /// </summary>
    public LabContainer AddContainer(string role, IPAddress address, int prefixLength, IPAddress gateway, string? bridge = null)
    {
        var ns = _spaces.Create(role);
        var hostVeth = $"vdpt{Interlocked.Increment(ref _containers)}";
        var mac = System.Net.NetworkInformation.PhysicalAddress.Parse($"02-42-{string.Join("-", address.GetAddressBytes().Select(b => b.ToString("x2")))}");
        HostLinks.CreateVeth(hostVeth, "eth0", ns, peerMac: mac);
        if (bridge is not null)
        {
            if (HostLinks.TryGetLink(bridge) is null)
            {
                HostLinks.CreateBridge(bridge);
                HostLinks.AddAddress(bridge, gateway, prefixLength);
                HostLinks.SetUp(bridge);
            }
            HostLinks.SetMaster(hostVeth, bridge);
        }
        HostLinks.SetUp(hostVeth);
        using (var inside = RtNetlink.Open(ns))
        {
            inside.SetUp("lo");
            inside.AddAddress("eth0", address, prefixLength);
            inside.SetUp("eth0");
            if (bridge is null) inside.AddRoute(gateway, 32, outputLink: "eth0");
            inside.AddRoute(null, 0, gateway);
        }
        if (bridge is null)
        {
            HostLinks.AddAddress(hostVeth, gateway, 32);
            HostLinks.AddRoute(address, 32, outputLink: hostVeth);
        }
        return new LabContainer(ns, address, hostVeth, HostLinks.IndexOf(hostVeth), mac);
    }

    /// <summary>Runs a real tool inside <paramref name="ns"/> (nsenter enters only the network namespace).</summary>
    public static (int ExitCode, string Output) RunIn(NetworkNamespace ns, string file, string args, TimeSpan? timeout = null)
    {
        using var p = Start(ns, file, args);
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"timed out: {file} {args}\n{output.Result}{error.Result}");
        }
        return (p.ExitCode, output.Result + error.Result);
    }

    /// <summary>
    /// Waits until a socket in <paramref name="ns"/> listens on TCP <paramref name="port"/> (or is bound to
    /// it for UDP): a fixed sleep after starting a server is a race on a loaded 2-core machine.
    /// </summary>
    public static void AwaitListener(NetworkNamespace ns, int port, bool udp = false, int timeoutMs = 10_000)
    {
        string table = udp ? "udp" : "tcp", state = udp ? "07" : "0A"; // UDP: bound (TCP_CLOSE); TCP: LISTEN
        Wait.Until(() => SocketsOn(ns, table, port, state) > 0, $"a {table} listener on port {port} in {ns.Name ?? ns.Description}", timeoutMs);
    }

    /// <summary>Waits until <paramref name="count"/> TCP connections to local <paramref name="port"/> in <paramref name="ns"/> are established.</summary>
    public static void AwaitEstablished(NetworkNamespace ns, int port, int count = 1, int timeoutMs = 10_000)
        => Wait.Until(() => SocketsOn(ns, "tcp", port, "01") >= count, $"{count} established connection(s) to port {port} in {ns.Name ?? ns.Description}", timeoutMs);

    /// <summary>Sockets of <paramref name="ns"/> on local <paramref name="port"/> in a kernel TCP state (hex, as /proc/net/tcp shows it).</summary>
    private static int SocketsOn(NetworkNamespace ns, string table, int port, string state)
    {
        string hexPort = $":{port:X4}";
        return ns.Run(() => new[] { table, table + "6" }
            .Select(t => $"/proc/thread-self/net/{t}").Where(File.Exists) // thread-self: this thread's namespace
            .SelectMany(File.ReadLines)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 3 && f[1].EndsWith(hexPort, StringComparison.Ordinal) && f[3] == state));
    }

    /// <summary>A shell command line as a server inside <paramref name="ns"/>, returned once it listens on
    /// <paramref name="port"/> (is bound, for UDP); killed on dispose.</summary>
    public Process StartServer(NetworkNamespace ns, string command, int port, bool udp = false)
    {
        var p = StartIn(ns, "sh", $"-c \"{command}\"");
        AwaitListener(ns, port, udp);
        return p;
    }

    /// <summary>A server's whole output once it has ended (killed after 10 s).</summary>
    public static string OutputOf(Process server)
    {
        if (!server.WaitForExit(10_000)) server.Kill(entireProcessTree: true);
        return server.StandardOutput.ReadToEnd() + server.StandardError.ReadToEnd();
    }

    /// <summary>A background process (a server) inside <paramref name="ns"/>, killed on dispose.</summary>
    public Process StartIn(NetworkNamespace ns, string file, string args)
    {
        var p = Start(ns, file, args);
        _background.Add(p);
        return p;
    }

    private static Process Start(NetworkNamespace ns, string file, string args)
        => Process.Start(new ProcessStartInfo("nsenter", $"--net={NetworkNamespace.PathOf(ns.Name!)} -- {file} {args}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;

    public void Dispose()
    {
        foreach (var p in _background)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); p.WaitForExit(5000); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        HostLinks?.Dispose();
        _spaces.Dispose();
    }
}
