using System.Net;
using Dataplane.Interop;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// Looks at the host's sockets, once per publish request however many ports it has: which ports
/// another process holds and which addresses are not the host's. It reserves nothing: the published
/// ports themselves are the reservation (see DataPath.BindGuard).
/// </summary>
public interface IHostPortProbe
{
    /// <summary>The host as it is now, for ports of these addresses and protocols.</summary>
    HostPortView Look(IReadOnlyCollection<(IPAddress Address, Proto Proto)> wanted);

    /// <summary>Every host port published now (any address and protocol), after each change: the host
    /// keeps them from being picked as ephemeral local ports. The set is the caller's, read only during the call.</summary>
    void Published(PortSet ports);
}

/// <summary>A probe for tests and for callers that do not look at the host: every port is free.</summary>
public sealed class NoHostPortProbe : IHostPortProbe
{
    public static readonly NoHostPortProbe Instance = new();

    public HostPortView Look(IReadOnlyCollection<(IPAddress Address, Proto Proto)> wanted) => HostPortView.Free;

    public void Published(PortSet ports)
    {
    }
}
