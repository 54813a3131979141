using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>
/// The daemon's side of dataplane-cni: turns ADD, DEL, CHECK and GC into engine calls, and persists
/// the attachments it owns so a restarted daemon adopts what is still there and lets go of what is
/// gone. Calls are serialised; each is all-or-nothing.
/// </summary>
public sealed class CniFrontend
{
    private readonly IEndpointEngine _engine;
    private readonly CniAttachmentStore _store;
    private readonly CniHostLinks _links;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private List<CniAttachment> _attachments;

    public CniFrontend(IEndpointEngine engine, CniAttachmentStore store, CniHostLinks? links = null, ILogger? log = null)
    {
        _engine = engine;
        _store = store;
        _links = links ?? CniHostLinks.CurrentNamespace;
        _log = log ?? NullLogger.Instance;
        _attachments = [.. store.Load()];
    }

    public IReadOnlyList<CniAttachment> Attachments
    {
        get { lock (_lock) return [.. _attachments]; }
    }

    /// <summary>ADD: adopts the network and the host veth, publishes the ports (host ports reserved unless the runtime holds them), records the attachment.</summary>
    public CniAttachment Attach(CniAttachRequest request)
    {
        if (string.IsNullOrEmpty(request.ContainerId) || string.IsNullOrEmpty(request.IfName) || string.IsNullOrEmpty(request.Network))
            throw DataplaneException.Invalid("a CNI attachment needs a container id, an interface name and a network name");
        var (hostVeth, bridge) = _links.FindVeth(request.HostInterfaces ?? []);
        var asked = new CniAttachment(request.ContainerId, request.IfName, request.Network, bridge, hostVeth, request.ContainerMac,
            request.Addresses ?? [], request.PortMappings ?? [], request.Masquerade, request.ReserveHostPorts, []);
        CniEngineSpecs.Validate(asked);
        lock (_lock)
        {
            if (Find(request.ContainerId, request.IfName) is { } held)
                return SameRequest(held, asked) ? held : throw DataplaneException.Conflict(
                    $"container {request.ContainerId} interface {request.IfName} is already attached (host veth {held.HostVeth}); DEL it first");
            using var rollback = new Rollback();
            bool firstOfNetwork = !_attachments.Any(a => a.Network == asked.Network);
            _engine.AdoptNetwork(CniEngineSpecs.Network(asked));
            if (firstOfNetwork)
                rollback.Add("adopt network " + asked.Network, () => _engine.ForgetNetwork(CniEngineSpecs.NetworkId(asked.Network)));
            var owner = CniEngineSpecs.OwnerOf(asked);
            _engine.AdoptEndpoint(CniEngineSpecs.Endpoint(asked));
            rollback.Add("adopt " + hostVeth, () => _engine.Release(owner));
            var published = _engine.Publish(owner, CniEngineSpecs.Bindings(asked), asked.ReserveHostPorts);
            var attachment = asked with { Published = published.Select(CniEngineSpecs.ToCni).ToList() };
            Commit([.. _attachments, attachment]);
            rollback.Commit();
            return attachment;
        }
    }

    /// <summary>DEL: releases the owner's endpoint and ports. Idempotent: releasing what is unknown does nothing.</summary>
    public void Detach(string containerId, string ifName)
    {
        lock (_lock)
        {
            _engine.Release(CniEngineSpecs.OwnerOf(containerId, ifName));
            if (Find(containerId, ifName) is not { } held)
                return;
            Commit(_attachments.Where(a => a != held).ToList());
            ForgetNetworkIfUnused(held.Network);
        }
    }

    /// <summary>CHECK: the attachment as held, if its veth is still on its bridge and the engine still has the endpoint.</summary>
    public CniAttachment Inspect(string containerId, string ifName)
    {
        lock (_lock)
        {
            var held = Find(containerId, ifName)
                ?? throw DataplaneException.NotFound($"container {containerId} interface {ifName} is not attached to the data path");
            if (!_links.IsAttached(held.HostVeth, held.Bridge))
                throw DataplaneException.NotFound($"container {containerId} interface {ifName}: host veth {held.HostVeth} is gone from bridge {held.Bridge}");
            var owner = CniEngineSpecs.OwnerOf(held);
            if (!_engine.Endpoints(OwnerKind.Cni).Any(e => e.Owner == owner))
                throw DataplaneException.NotFound($"container {containerId} interface {ifName}: the data path holds no endpoint for host veth {held.HostVeth}");
            return held;
        }
    }

    /// <summary>GC: releases every attachment of the network that the runtime no longer lists.</summary>
    public CniGcResponse Collect(CniGcRequest request)
    {
        var valid = (request.Valid ?? []).Select(v => (v.ContainerId, v.IfName)).ToHashSet();
        List<CniAttachmentId> released = [];
        lock (_lock)
        {
            foreach (var a in _attachments.Where(a => a.Network == request.Network && !valid.Contains((a.ContainerId, a.IfName))).ToList())
            {
                Detach(a.ContainerId, a.IfName);
                released.Add(new CniAttachmentId(a.ContainerId, a.IfName));
            }
        }
        return new CniGcResponse(released);
    }

    /// <summary>
    /// On daemon start, before the ports are reconciled: adopts again every recorded attachment whose
    /// veth is still on its bridge and returns its ports to claim; forgets those whose veth is gone
    /// (the sandbox died while the daemon was away), so their ports, unclaimed, are removed.
    /// </summary>
    public IReadOnlyList<PortPublisher.Claim> Restore()
    {
        lock (_lock)
        {
            var kept = new List<CniAttachment>();
            var claims = new List<PortPublisher.Claim>();
            foreach (var a in _attachments)
            {
                if (!_links.IsAttached(a.HostVeth, a.Bridge))
                {
                    _log.LogInformation("CNI attachment {Container}/{IfName}: host veth {Veth} is gone, released", a.ContainerId, a.IfName, a.HostVeth);
                    continue;
                }
                try
                {
                    _engine.AdoptNetwork(CniEngineSpecs.Network(a));
                    var endpoint = _engine.AdoptEndpoint(CniEngineSpecs.Endpoint(a));
                    claims.Add(new PortPublisher.Claim(endpoint.Owner, endpoint.IPv4, a.Published.Select(CniEngineSpecs.FromCni).ToList(), a.ReserveHostPorts));
                    kept.Add(a);
                }
                catch (Exception e) when (e is DataplaneException or Interop.InteropException)
                {
                    _log.LogWarning("CNI attachment {Container}/{IfName} could not be adopted again, released: {Error}", a.ContainerId, a.IfName, e.Message);
                    _engine.Release(CniEngineSpecs.OwnerOf(a));
                }
            }
            Commit(kept);
            return claims;
        }
    }

    private void Commit(List<CniAttachment> attachments)
    {
        _store.Save(attachments);
        _attachments = attachments;
    }

    private void ForgetNetworkIfUnused(string network)
    {
        if (_attachments.Any(a => a.Network == network)) return;
        try { _engine.ForgetNetwork(CniEngineSpecs.NetworkId(network)); }
        catch (DataplaneException e) { _log.LogDebug("CNI network {Network} not forgotten: {Error}", network, e.Message); }
    }

    private CniAttachment? Find(string containerId, string ifName)
        => _attachments.FirstOrDefault(a => a.ContainerId == containerId && a.IfName == ifName);

    private static bool SameRequest(CniAttachment a, CniAttachment b)
        => a.HostVeth == b.HostVeth && a.Bridge == b.Bridge && a.Network == b.Network && a.Masquerade == b.Masquerade && a.ReserveHostPorts == b.ReserveHostPorts
           && a.Addresses.SequenceEqual(b.Addresses) && a.PortMappings.SequenceEqual(b.PortMappings);
}
