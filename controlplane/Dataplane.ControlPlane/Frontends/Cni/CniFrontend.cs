using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>
/// The daemon's side of dataplane-cni: turns ADD, DEL, CHECK and GC into engine calls, and persists
/// the attachments it owns so a restarted daemon adopts what is still there and releases what is
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

    /// <summary>ADD: adopts the network and the host veth, publishes the ports (host ports reserved), records the attachment.</summary>
    public CniAttachment Attach(CniAttachRequest request)
    {
        if (string.IsNullOrEmpty(request.ContainerId) || string.IsNullOrEmpty(request.IfName) || string.IsNullOrEmpty(request.Network))
            throw DataplaneException.Invalid("a CNI attachment needs a container id, an interface name and a network name");
        var (hostVeth, bridge) = _links.FindVeth(request.HostInterfaces ?? []);
        var attachment = new CniAttachment(request.ContainerId, request.IfName, request.Network, bridge, hostVeth, request.ContainerMac,
            request.Addresses ?? [], request.PortMappings ?? [], request.Masquerade);
        CniEngineSpecs.Validate(attachment);
        lock (_lock)
        {
            if (Find(request.ContainerId, request.IfName) is { } held)
                return SameAs(held, attachment) ? held : throw DataplaneException.Conflict(
                    $"container {request.ContainerId} interface {request.IfName} is already attached (host veth {held.HostVeth}); DEL it first");
            using var rollback = new Rollback();
            Program(attachment, rollback);
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
    /// On daemon start: adopts again every recorded attachment whose veth is still on its bridge,
    /// releases those whose veth is gone (the sandbox died while the daemon was away), and releases
    /// CNI endpoints the engine holds that nothing here records.
    /// </summary>
    public void Reconcile()
    {
        lock (_lock)
        {
            var kept = new List<CniAttachment>();
            foreach (var a in _attachments)
            {
                if (_links.IsAttached(a.HostVeth, a.Bridge))
                {
                    try
                    {
                        using var rollback = new Rollback();
                        Program(a, rollback);
                        rollback.Commit();
                        kept.Add(a);
                        continue;
                    }
                    catch (Exception e) when (e is DataplaneException or Interop.InteropException)
                    {
                        _log.LogWarning("CNI attachment {Container}/{IfName} could not be adopted again, released: {Error}", a.ContainerId, a.IfName, e.Message);
                    }
                }
                _engine.Release(CniEngineSpecs.OwnerOf(a));
            }
            var recorded = kept.Select(CniEngineSpecs.OwnerOf).ToHashSet();
            foreach (var stray in _engine.Endpoints(OwnerKind.Cni).Where(e => !recorded.Contains(e.Owner)))
                _engine.Release(stray.Owner);
            Commit(kept);
            foreach (var network in _attachments.Select(a => a.Network).Distinct())
                ForgetNetworkIfUnused(network);
        }
    }

    /// <summary>Network, endpoint, ports: each step registers its undo.</summary>
    private void Program(CniAttachment a, Rollback rollback)
    {
        bool firstOfNetwork = !_attachments.Any(other => other.Network == a.Network && other != a);
        _engine.AdoptNetwork(CniEngineSpecs.Network(a));
        if (firstOfNetwork)
            rollback.Add("adopt network " + a.Network, () => _engine.ForgetNetwork(CniEngineSpecs.NetworkId(a.Network)));
        var owner = CniEngineSpecs.OwnerOf(a);
        bool alreadyHeld = _engine.Endpoints(OwnerKind.Cni).Any(e => e.Owner == owner);
        _engine.AdoptEndpoint(CniEngineSpecs.Endpoint(a));
        rollback.Add("adopt " + a.HostVeth, () => _engine.Release(owner));
        if (!alreadyHeld || _engine.PublishedPorts(owner).Count == 0)
            _engine.Publish(owner, CniEngineSpecs.Bindings(a), reserveHostPorts: true);
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

    private static bool SameAs(CniAttachment a, CniAttachment b)
        => a.HostVeth == b.HostVeth && a.Bridge == b.Bridge && a.Network == b.Network && a.Masquerade == b.Masquerade
           && a.Addresses.SequenceEqual(b.Addresses) && a.PortMappings.SequenceEqual(b.PortMappings);
}
