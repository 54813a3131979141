using System.Net;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// Asks the host whether some other process already holds a port. The daemon implements it by really
/// binding (and keeping) a socket, so the port stays reserved for as long as the mapping lives.
/// </summary>
public interface IHostPortProbe
{
    /// <summary>True when the port could be taken; false when another process holds it.</summary>
    bool TryReserve(IPAddress hostIp, Proto proto, int port);

    void Release(IPAddress hostIp, Proto proto, int port);
}

/// <summary>A probe for tests and for callers that do not hold real sockets: every port is free.</summary>
public sealed class NoHostPortProbe : IHostPortProbe
{
    public static readonly NoHostPortProbe Instance = new();

    public bool TryReserve(IPAddress hostIp, Proto proto, int port) => true;

    public void Release(IPAddress hostIp, Proto proto, int port)
    {
    }
}
