using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Tests.Support;

/// <summary>Port mappings written the way the data-path tests think of them: host side, protocol byte, container side.</summary>
public static class Mappings
{
    /// <param name="host">The host address; null = every address.</param>
    public static PortMapping Of(uint id, IPAddress? host, byte proto, ushort hostPort, IPAddress container, ushort containerPort)
        => new(id, new PublishedPort(host ?? IPAddress.Any, hostPort, new ContainerPort(containerPort, proto == DataPathAbi.ProtoUdp ? Proto.Udp : Proto.Tcp)), container);
}
