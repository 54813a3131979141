using System.Net;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Host;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// A lab whose fake host runs the product's NetworkHost: network "a" (dp0, 198.19.10.0/24) with
/// containers c1 and c2, network "b" (dp1, 198.19.20.0/24) with c3; the data path on uplink0 and the
/// socket hooks on a cgroup of our own; with <c>xdp</c>, the uplink's XDP fast path too.
/// </summary>
public class DataPathLab : IDisposable
{
    public static readonly BridgeNetwork NetA = new(1, "dp0", IPAddress.Parse("198.19.10.0"), 24, IPAddress.Parse("198.19.10.1"));
    public static readonly BridgeNetwork NetB = new(2, "dp1", IPAddress.Parse("198.19.20.0"), 24, IPAddress.Parse("198.19.20.1"));
    public static readonly IPAddress C1 = IPAddress.Parse("198.19.10.2"), C2 = IPAddress.Parse("198.19.10.3"), C3 = IPAddress.Parse("198.19.20.2");

    private readonly string _prefix = TestNames.Unique("");
    private readonly List<string> _sandboxes = [];

    public DataPathLab() : this(xdp: false) { }

    protected DataPathLab(bool xdp)
    {
        if (!Privileges.IsRoot) return;
        Lab = new Lab();
        try
        {
            Cgroup = new TestCgroup(_prefix + "cg");
            Host = NetworkHost.Start(new DaemonOptions(Uplinks: [Lab.Uplink], SandboxPrefix: _prefix, SocketHookCgroup: Cgroup.Path, Xdp: xdp)
            {
                Namespace = Lab.Host.Name,
                DataPath = new DataPathOptions { PinDirectory = Path.Combine(BpfFs.DefaultRoot, _prefix + "pins"), ConntrackEntries = 8192 },
            });
            Host.EnsureNetwork(NetA);
            Host.EnsureNetwork(NetB);
            Ns1 = Sandbox("c1", NetA, C1, "veth0000001");
            Ns2 = Sandbox("c2", NetA, C2, "veth0000002");
            Ns3 = Sandbox("c3", NetB, C3, "veth0000003");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Lab Lab { get; } = null!;
    public NetworkHost Host { get; } = null!;
    public TestCgroup Cgroup { get; } = null!;
    public NetworkNamespace Ns1 { get; } = null!;
    public NetworkNamespace Ns2 { get; } = null!;
    public NetworkNamespace Ns3 { get; } = null!;

    private NetworkNamespace Sandbox(string name, BridgeNetwork net, IPAddress ip, string veth)
    {
        var ns = Host.CreateSandbox(name);
        _sandboxes.Add(name);
        Host.Connect(ns, net, ip, veth);
        return ns;
    }

    /// <summary>Runs a shell command line inside <paramref name="ns"/>.</summary>
    public static (int ExitCode, string Output) Sh(NetworkNamespace ns, string command, int timeoutSeconds = 20)
        => Lab.RunIn(ns, "sh", $"-c \"{command.Replace("\"", "\\\"")}\"", TimeSpan.FromSeconds(timeoutSeconds));

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        if (Host is not null)
        {
            foreach (var ns in new[] { Ns1, Ns2, Ns3 }) ns?.Dispose();
            foreach (var s in _sandboxes) Host.DeleteSandbox(s);
            Host.Uninstall();
            Host.Dispose();
        }
        Lab?.Dispose();
        Cgroup?.Dispose();
    }
}
