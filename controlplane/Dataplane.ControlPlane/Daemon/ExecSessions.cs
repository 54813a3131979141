using System.Collections.Concurrent;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// Processes started in running containers (`dataplane exec`), in Docker's steps: create (checked,
/// nothing started), start (attached or detached), resize, inspect (the exit code). Each enters the
/// container's sandbox as its own command does (<paramref name="isolationOf"/>), with the container's
/// environment plus the exec's own. A finished exec is forgotten a few minutes after it ended.
/// </summary>
public sealed class ExecSessions(Func<string, ContainerRecord> find, Func<ContainerRecord, ProcessIsolation> isolationOf)
{
    private static readonly TimeSpan KeepFinished = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, ExecSession> _sessions = new();

    public ExecCreateResponse Create(string container, ExecRequest request)
    {
        if (request.Command is not { Count: > 0 } || string.IsNullOrEmpty(request.Command[0]) || request.Command.Any(a => a is null))
            throw DataplaneException.Invalid("No exec command specified");
        if (request.WorkingDir is { Length: > 0 } dir && !dir.StartsWith('/'))
            throw DataplaneException.Invalid($"the working directory '{dir}' is invalid, it needs to be an absolute path");
        if (request.ConsoleSize is { } size && (size.Count != 2 || size.Any(n => n is < 0 or > ushort.MaxValue)))
            throw DataplaneException.Invalid("invalid ConsoleSize: [rows, columns], each 0-65535");
        if ((request.Env ?? []).Any(e => string.IsNullOrEmpty(e) || e[0] == '='))
            throw DataplaneException.Invalid("invalid environment variable: an entry is empty or has no name");
        var c = Running(find(container));
        ForgetFinished();
        var session = new ExecSession(Ids.New(), c.Id, request);
        _sessions[session.Id] = session;
        return new ExecCreateResponse(session.Id);
    }

    public IExecAttachment? Start(string id, bool attach)
    {
        var session = Get(id);
        var c = Running(find(session.ContainerId));
        var isolation = isolationOf(session.Request.User is { Length: > 0 } user ? c with { User = user } : c);
        using var ns = isolation.Network;
        return session.Start(isolation, Environment(c, session.Request), attach);
    }

    public void Resize(string id, int rows, int columns)
    {
        if (rows is < 0 or > ushort.MaxValue || columns is < 0 or > ushort.MaxValue)
            throw DataplaneException.Invalid($"invalid terminal size {rows}x{columns}");
        Get(id).Resize((ushort)rows, (ushort)columns);
    }

    public ExecInspectResponse Inspect(string id) => Get(id).Inspect();

    private ExecSession Get(string id) =>
        _sessions.TryGetValue(id, out var s) ? s : throw DataplaneException.NotFound($"No such exec instance: {id}");

    private static ContainerRecord Running(ContainerRecord c) =>
        c.State == ContainerState.Running ? c : throw DataplaneException.Conflict($"Container {c.Id} is not running");

    /// <summary>Docker's order: the container's variables, HOSTNAME, TERM with a terminal, then the exec's (a later KEY wins).</summary>
    private static List<string> Environment(ContainerRecord c, ExecRequest r) =>
        SandboxProcess.Environment([.. c.Env, $"HOSTNAME={c.Hostname}", .. r.Tty ? ["TERM=xterm"] : Array.Empty<string>(), .. r.Env ?? []]);

    private void ForgetFinished()
    {
        var before = DateTimeOffset.UtcNow - KeepFinished;
        foreach (var (id, s) in _sessions)
            if (s.Idle(before))
                _sessions.TryRemove(id, out _);
    }
}
