using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Host;

/// <summary>
/// Keeps the kernel from picking a published port as an ephemeral local port in the managed namespace
/// (a connect, or a bind to port 0: a reply to it would be taken for the published port), as a socket
/// held on the port did: net.ipv4.ip_local_reserved_ports lists the published ports together with
/// the operator's own, which are read once and always kept.
/// </summary>
public sealed class EphemeralPortReservation(NetworkNamespace ns)
{
    private const string Key = "net.ipv4.ip_local_reserved_ports";
    private PortSet? _operators;

    /// <summary>Sets the reserved ports to <paramref name="published"/> and the operator's. The first call
    /// takes what is reserved then, minus the ports published at that point (a restarted daemon's own), as
    /// the operator's.</summary>
    public void Set(PortSet published)
    {
        _operators ??= PortSet.Except(PortSet.Parse(Sysctl.Read(ns, Key)), published);
        Sysctl.Write(ns, Key, PortSet.Union(_operators, published).ToString());
    }
}
