using System.Globalization;
using System.Net;

namespace Dataplane.ControlPlane.Ports;

/// <summary>A container port with its protocol, e.g. 80/tcp.</summary>
public readonly record struct ContainerPort(int Port, Proto Proto) : IComparable<ContainerPort>
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Port}/{Proto.Name()}");

    public int CompareTo(ContainerPort other) =>
        Port != other.Port ? Port.CompareTo(other.Port) : ((int)Proto).CompareTo((int)other.Proto); // an enum's CompareTo boxes

    /// <summary>Parses "80" or "80/udp" as `docker port c 80` does (tcp by default).</summary>
    public static ContainerPort Parse(string text)
    {
        var (protoText, portText) = PortSpecParser.SplitProtoPort(text);
        if (PortRange.TryParse(portText) is not { IsSingle: true } range)
            throw DataplaneException.Invalid($"Invalid port: {text}");
        return new ContainerPort(range.Start, ProtoNames.Parse(protoText));
    }
}

/// <summary>
/// One requested publication: HostIp null means every address; HostPorts null means "any free port
/// from the daemon's range"; a HostPorts range with one container port means "one free port from it".
/// </summary>
public readonly record struct PortBinding(IPAddress? HostIp, PortRange? HostPorts, ContainerPort Container)
{
    public IPAddress EffectiveHostIp => HostIp ?? IPAddress.Any;
}
