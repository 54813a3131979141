using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Support.Topology;

/// <summary>Uniquely named network namespaces for one test, all deleted on dispose, even after a failure.</summary>
public sealed class NamespaceSet : IDisposable
{
    private readonly List<NetworkNamespace> _created = [];

    public NamespaceSet() => LeftoverSweeper.SweepOnce();

    public NetworkNamespace Create(string role)
    {
        var ns = NetworkNamespace.Create(TestNames.Unique(role));
        _created.Add(ns);
        return ns;
    }

    /// <summary>A namespace with only lo, up: enough for sockets on 127.0.0.1 and the unspecified address.</summary>
    public NetworkNamespace CreateWithLoopback(string role)
    {
        var ns = Create(role);
        using var nl = Dataplane.Interop.Netlink.RtNetlink.Open(ns);
        nl.SetUp("lo");
        return ns;
    }

    public void Dispose()
    {
        foreach (var ns in _created)
        {
            ns.Dispose();
            NetworkNamespace.Delete(ns.Name!);
        }
        _created.Clear();
    }
}
