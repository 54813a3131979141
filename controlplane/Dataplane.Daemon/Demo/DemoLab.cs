using System.Net;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Netlink;

namespace Dataplane.Daemon.Demo;

/// <summary>
/// The demo's world, all in throwaway namespaces named dpdemo-PID-...: a fake host (forwarding on
/// inside it only) and an external client joined by uplink0 198.18.0.1/24 <-> eth0 198.18.0.2/24.
/// The root namespace is never touched.
/// </summary>
public sealed class DemoLab : IDisposable
{
    public static readonly IPAddress HostAddress = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress ClientAddress = IPAddress.Parse("198.18.0.2");
    public const string Uplink = "uplink0";

    private readonly List<string> _names = [];

    public DemoLab()
    {
        Prefix = $"dpdemo-{Environment.ProcessId}-";
        try
        {
            Host = Create("host");
            Client = Create("ext");
            using var host = RtNetlink.Open(Host);
            host.SetUp("lo");
            host.CreateVeth(Uplink, "eth0", Client);
            host.AddAddress(Uplink, HostAddress, 24);
            host.SetUp(Uplink);
            using var client = RtNetlink.Open(Client);
            client.SetUp("lo");
            client.AddAddress("eth0", ClientAddress, 24);
            client.SetUp("eth0");
            client.AddRoute(null, 0, HostAddress);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Prefix { get; }
    public NetworkNamespace Host { get; } = null!;
    public NetworkNamespace Client { get; } = null!;

    private NetworkNamespace Create(string role)
    {
        var name = Prefix + role;
        if (NetworkNamespace.Exists(name)) NetworkNamespace.Delete(name); // a crashed earlier run with our pid
        var ns = NetworkNamespace.Create(name);
        _names.Add(name);
        return ns;
    }

    public void Dispose()
    {
        Host?.Dispose();
        Client?.Dispose();
        foreach (var name in _names) NetworkNamespace.Delete(name);
    }
}
