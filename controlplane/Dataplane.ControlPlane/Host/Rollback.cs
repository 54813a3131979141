using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dataplane.ControlPlane.Host;

/// <summary>
/// All-or-nothing for a sequence of kernel changes: each step registers its undo; unless
/// <see cref="Commit"/> is reached, disposing undoes the steps in reverse order. An undo that fails
/// does not stop the others (the first failure of the operation is what the caller reports); it is
/// logged, since it may leave something behind.
/// </summary>
public sealed class Rollback(ILogger? log = null) : IDisposable
{
    private readonly Stack<(string Step, Action Undo)> _undo = new();
    private bool _committed;

    public void Add(string step, Action undo) => _undo.Push((step, undo));

    public void Commit() => _committed = true;

    public void Dispose()
    {
        if (_committed) return;
        while (_undo.TryPop(out var entry))
        {
            try { entry.Undo(); }
            catch (Exception e) { (log ?? NullLogger.Instance).LogWarning(e, "undo of {Step} failed; it may have left something behind", entry.Step); }
        }
    }
}
