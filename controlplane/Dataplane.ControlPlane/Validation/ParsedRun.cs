using System.Net;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Sandbox;

namespace Dataplane.ControlPlane.Validation;

/// <summary>A run request after syntax checks: every field typed, nothing looked up yet.</summary>
public sealed record ParsedRun(
    IReadOnlyList<string> Command,
    string? Name,
    NetworkModeSpec Mode,
    IReadOnlyList<PortBinding> Bindings,
    IReadOnlyList<ContainerPort> Exposed,
    string? Hostname,
    IReadOnlyList<IPAddress> Dns,
    IReadOnlyList<HostEntry> ExtraHosts,
    IReadOnlyList<LinkRecord> Links,
    IReadOnlyList<string> Env,
    IPAddress? Ip,
    bool Detach,
    bool AutoRemove,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string>? Aliases = null);

/// <summary>A run request checked against the state: what the engine may now apply.</summary>
public sealed record RunPlan(
    ParsedRun Run,
    NetworkRecord? Network,
    ContainerRecord? SharedNamespaceOf,
    IReadOnlyList<ContainerRecord> Linked,
    IReadOnlyList<string> Warnings);
