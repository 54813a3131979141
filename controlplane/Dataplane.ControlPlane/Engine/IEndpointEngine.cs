using System.Net;
using System.Net.NetworkInformation;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.Engine;

/// <summary>Which frontend brought an endpoint: Dataplane's own sandboxes, a Docker engine's containers, a CNI runtime's sandboxes.</summary>
public enum OwnerKind
{
    Dataplane,
    Docker,
    Cni,
}

/// <summary>Who an endpoint and its published ports belong to: the frontend and its own id
/// (a container id; for CNI the container id and interface name).</summary>
public sealed record Owner(OwnerKind Kind, string Id)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Id}";
}

/// <summary>A bridge network a frontend brings (Docker's docker0 and br-*, a CNI bridge). The engine
/// never deletes the bridge of a network it adopted.</summary>
public sealed record NetworkSpec(
    string Id,
    string Name,
    string Bridge,
    IPAddress Subnet,
    int PrefixLength,
    IPAddress Gateway,
    bool Internal = false,
    bool Icc = true,
    bool Masquerade = true)
{
    /// <summary>The IPv6 side of a dual-stack network (subnet, prefix, gateway), or null.</summary>
    public NetworkSpecV6? V6 { get; init; }
}

/// <summary>The IPv6 subnet and gateway of a frontend's dual-stack bridge network.</summary>
public sealed record NetworkSpecV6(IPAddress Subnet, int PrefixLength, IPAddress Gateway);

/// <summary>A host-side veth that some runtime created, to adopt as an endpoint. Mac is the
/// container-side interface's MAC (where replies are addressed).</summary>
public sealed record EndpointSpec(Owner Owner, string NetworkId, string HostVeth, PhysicalAddress Mac, IPAddress IPv4, IPAddress? IPv6 = null);

/// <summary>One interface of one sandbox on one network, as the engine holds it: created by Dataplane or adopted.</summary>
public sealed record Endpoint(Owner Owner, string NetworkId, string HostVeth, int HostIfindex, PhysicalAddress Mac, IPAddress IPv4, IPAddress? IPv6 = null);

/// <summary>
/// What every frontend asks of the engine. Each call is all-or-nothing and idempotent where it can
/// be (adopting what is already adopted, releasing what is gone).
/// </summary>
public interface IEndpointEngine
{
    /// <summary>Makes a frontend's bridge network known to the data path (subnet, gateway, flags); the bridge must exist.</summary>
    void AdoptNetwork(NetworkSpec network);

    /// <summary>Forgets an adopted network (its endpoints must be released first); the bridge stays.</summary>
    void ForgetNetwork(string networkId);

    /// <summary>Attaches the data path to an existing host-side veth and records the endpoint.</summary>
    Endpoint AdoptEndpoint(EndpointSpec spec);

    /// <summary>Publishes ports to the owner's endpoint. reserveHostPorts false: the runtime holds
    /// the host ports itself (dockerd binds them), so only conflicts with other owners are checked.</summary>
    IReadOnlyList<PublishedPort> Publish(Owner owner, IReadOnlyList<PortBinding> bindings, bool reserveHostPorts = true);

    /// <summary>Unpublishes the owner's ports (their flows flushed), removes its endpoint entry and
    /// detaches from its veth. Releasing an unknown owner does nothing.</summary>
    void Release(Owner owner);

    IReadOnlyList<Endpoint> Endpoints(OwnerKind kind);

    IReadOnlyList<PublishedPort> PublishedPorts(Owner owner);
}
