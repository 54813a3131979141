using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// A published port: (host address, proto, host port) -> container port, as one shape from the
/// engine to the data path's maps. HostIp 0.0.0.0 (or ::) means every address of that family.
/// </summary>
public sealed record PublishedPort(IPAddress HostIp, int HostPort, ContainerPort Container)
{
    public AddressFamily Family => HostIp.AddressFamily;

    public Proto Proto => Container.Proto;

    public bool OnEveryAddress => HostIp.Equals(IPAddress.Any) || HostIp.Equals(IPAddress.IPv6Any);

    public string HostEndpoint => Family == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"[{HostIp}]:{HostPort}")
        : string.Create(CultureInfo.InvariantCulture, $"{HostIp}:{HostPort}");

    // The persisted and API form (Docker's text forms) and back: the only conversion between them.

    public PortMappingRecord ToRecord() => new(HostIp.ToString(), HostPort, Container.Port, Proto.Name());

    public static PublishedPort FromRecord(PortMappingRecord r)
        => new(IPAddress.Parse(r.HostIp), r.HostPort, new ContainerPort(r.ContainerPort, ProtoNames.Parse(r.Proto)));
}
