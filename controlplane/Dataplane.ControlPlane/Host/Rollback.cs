namespace Dataplane.ControlPlane.Host;

/// <summary>
/// All-or-nothing for a sequence of kernel changes: each step registers its undo; unless
/// <see cref="Commit"/> is reached, disposing undoes the steps in reverse order. An undo that fails
/// does not stop the others (the first failure of the operation is what the caller reports).
/// </summary>
public sealed class Rollback : IDisposable
{
    private readonly Stack<(string Step, Action Undo)> _undo = new();
    private bool _committed;

    public void Add(string step, Action undo) => _undo.Push((step, undo));

    public void Commit() => _committed = true;

    /// <summary>Undo failures, for logs: a failed undo may leave something behind.</summary>
    public List<string> UndoFailures { get; } = [];

    public void Dispose()
    {
        if (_committed) return;
        while (_undo.TryPop(out var entry))
        {
            try { entry.Undo(); }
            catch (Exception e) { UndoFailures.Add($"undo {entry.Step}: {e.Message}"); }
        }
    }
}
