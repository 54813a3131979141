using System.Net;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>What a --link needs to know of the container it points at.</summary>
public sealed record LinkedContainer(
    string Name,
    string Alias,
    string Hostname,
    IPAddress Address,
    IReadOnlyList<ContainerPort> ExposedPorts,
    IReadOnlyList<string> Env);
