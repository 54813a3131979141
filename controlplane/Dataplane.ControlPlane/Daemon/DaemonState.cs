using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.State;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// The daemon's desired state: one document, changed under a lock and saved crash-safely (write,
/// fsync, rename) before a change is acknowledged.
/// </summary>
public sealed class DaemonState(StateStore store)
{
    private readonly Lock _gate = new();
    private StateDocument _document = store.Load();

    public StateDocument Current
    {
        get { lock (_gate) return _document; }
    }

    public StateView View => new(Current);

    /// <summary>Applies a change and persists it; the change is visible only once saved.</summary>
    public StateDocument Update(Func<StateDocument, StateDocument> change)
    {
        lock (_gate)
        {
            var next = change(_document);
            store.Save(next);
            _document = next;
            return next;
        }
    }

    public void Put(ContainerRecord c) => Update(d => d with { Containers = [.. d.Containers.Where(x => x.Id != c.Id), c] });

    public void Put(NetworkRecord n) => Update(d => d with { Networks = [.. d.Networks.Where(x => x.Id != n.Id), n] });
}
