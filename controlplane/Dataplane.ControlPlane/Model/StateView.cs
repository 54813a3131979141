namespace Dataplane.ControlPlane.Model;

/// <summary>Read-only lookups the validators need, with Docker's rules: exact id, exact name, then a unique id prefix.</summary>
public interface IStateView
{
    IReadOnlyList<NetworkRecord> Networks { get; }

    IReadOnlyList<ContainerRecord> Containers { get; }

    NetworkRecord? FindNetwork(string nameOrId);

    ContainerRecord? FindContainer(string nameOrId);
}

public sealed class StateView(StateDocument document) : IStateView
{
    public IReadOnlyList<NetworkRecord> Networks => document.Networks;

    public IReadOnlyList<ContainerRecord> Containers => document.Containers;

    public NetworkRecord? FindNetwork(string nameOrId) => Find(document.Networks, nameOrId, n => n.Id, n => n.Name);

    public ContainerRecord? FindContainer(string nameOrId) =>
        Find(document.Containers, nameOrId.TrimStart('/'), c => c.Id, c => c.Name);

    private static T? Find<T>(IReadOnlyList<T> items, string key, Func<T, string> id, Func<T, string> name) where T : class
    {
        var exact = items.FirstOrDefault(i => id(i) == key) ?? items.FirstOrDefault(i => name(i) == key);
        if (exact is not null || !Ids.IsHexPrefix(key))
            return exact;
        var byPrefix = items.Where(i => id(i).StartsWith(key, StringComparison.Ordinal)).Take(2).ToList();
        return byPrefix.Count == 1 ? byPrefix[0] : null;
    }
}
