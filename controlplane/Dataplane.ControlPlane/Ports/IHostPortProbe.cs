using Dataplane.Interop;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// Asks the host whether some other process already holds a port. The daemon implements it by really
/// binding (and keeping) a socket, so the port stays reserved for as long as the mapping lives.
/// Ports come in batches: one container may publish 10,000 of them.
/// </summary>
public interface IHostPortProbe
{
    /// <summary>Takes every port it can; result[i] is the kernel's refusal of ports[i] (EADDRINUSE: another
    /// process holds it; EADDRNOTAVAIL: its address is not on the host), Errno.None when it was taken.</summary>
    Errno[] TryReserve(IReadOnlyList<PublishedPort> ports);

    void Release(PublishedPort port);
}

/// <summary>A probe for tests and for callers that do not hold real sockets: every port is free.</summary>
public sealed class NoHostPortProbe : IHostPortProbe
{
    public static readonly NoHostPortProbe Instance = new();

    public Errno[] TryReserve(IReadOnlyList<PublishedPort> ports) => new Errno[ports.Count];

    public void Release(PublishedPort port)
    {
    }
}
