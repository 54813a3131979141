using Dataplane.ControlPlane.Api;
using Dataplane.Interop;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Processes;
using Dataplane.Interop.Terminals;
using Microsoft.Win32.SafeHandles;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// One exec: its process and the daemon's ends of its streams, a pseudo-terminal's master with -t,
/// else pipes (stdin only with -i). Detached, the streams are /dev/null. Started once.
/// </summary>
internal sealed class ExecSession(string id, string containerId, ExecRequest request) : IExecAttachment
{
    private const int Chunk = 32 * 1024;

    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private int _started;
    private PseudoTerminal? _terminal;
    private SafeFileHandle? _stdin, _stdout, _stderr;
    private Task<int>? _exited;
    private DateTimeOffset? _finished;
    private int _pid;

    public string Id => id;
    public string ContainerId => containerId;
    public ExecRequest Request => request;

    /// <summary>Spawns the process in the sandbox (called with the sandbox's isolation); this when attached.</summary>
    public IExecAttachment? Start(ProcessIsolation isolation, IReadOnlyList<string> env, bool attach)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw DataplaneException.Conflict($"Exec command {id} has already run");
        string dir = request.WorkingDir is { Length: > 0 } w ? w : "/";
        var childEnds = new List<SafeFileHandle>();
        SpawnedProcess process;
        try
        {
            ChildStdio stdio;
            if (request.Tty && attach)
            {
                var size = request.ConsoleSize is [int rows, int columns] ? ((ushort)rows, (ushort)columns) : ((ushort)0, (ushort)0);
                var owner = isolation.Privileges?.User is { } u ? (u.Uid, u.Gid) : ((uint, uint)?)null; // a process of another user must open it
                _terminal = PseudoTerminal.Open(size.Item1, size.Item2, owner);
                stdio = new ChildStdio(null, null, null, _terminal.SlavePath, dir);
            }
            else if (attach)
            {
                SafeFileHandle? childIn = null;
                if (request.AttachStdin)
                {
                    (childIn, _stdin) = Pipes.Create();
                    childEnds.Add(childIn);
                }
                (_stdout, var childOut) = Pipes.Create();
                childEnds.Add(childOut);
                (_stderr, var childErr) = Pipes.Create();
                childEnds.Add(childErr);
                stdio = new ChildStdio(childIn, childOut, childErr, null, dir);
            }
            else
            {
                stdio = new ChildStdio(null, null, null, null, dir);
            }
            process = isolation.Run(() =>
            {
                // Checked in the sandbox's view: posix_spawn would report a missing directory as a missing command.
                if (!Directory.Exists(dir))
                    throw DataplaneException.Invalid($"chdir to cwd (\"{dir}\") set in config.json failed: no such file or directory");
                return SpawnedProcess.Start(request.Command, env, stdio);
            });
        }
        catch (InteropException e) when (e.Errno is Errno.ENOENT or Errno.EACCES or Errno.EISDIR or Errno.ENOTDIR)
        {
            CloseOurEnds();
            // The runtime's words, as Docker reports them.
            var why = e.Errno switch
            {
                Errno.EACCES => "permission denied",
                Errno.EISDIR => "is a directory",
                _ => "executable file not found in $PATH",
            };
            throw DataplaneException.Invalid($"exec: \"{request.Command[0]}\": {why}");
        }
        catch
        {
            CloseOurEnds();
            throw;
        }
        finally
        {
            foreach (var h in childEnds) h.Dispose(); // the child has its copies
        }
        _pid = process.Pid;
        _exited = process.WaitForExitAsync().ContinueWith(t =>
        {
            _finished = DateTimeOffset.UtcNow;
            return t.IsCompletedSuccessfully ? t.Result : SandboxProcess.UnknownExitCode;
        }, TaskScheduler.Default);
        return attach ? this : null;
    }

    public async Task RunAsync(Stream connection, CancellationToken ct)
    {
        try
        {
            Task output;
            if (_terminal is { } t)
            {
                output = PumpAsync(new FileStream(t.Master, FileAccess.Read, 0), connection, null, new SemaphoreSlim(1));
                if (request.AttachStdin) _ = CopyInputAsync(connection, new FileStream(t.Master, FileAccess.Write, 0), closeAtEnd: false);
            }
            else
            {
                var gate = new SemaphoreSlim(1); // frames of both streams share the connection
                output = Task.WhenAll(
                    PumpAsync(new FileStream(_stdout!, FileAccess.Read, 0), connection, StreamFrames.Stdout, gate),
                    PumpAsync(new FileStream(_stderr!, FileAccess.Read, 0), connection, StreamFrames.Stderr, gate));
                if (_stdin is { } stdin) _ = CopyInputAsync(connection, new FileStream(stdin, FileAccess.Write, 0), closeAtEnd: true);
            }
            await output;
            await _exited!; // recorded before the connection closes: the client asks for the code next
        }
        finally
        {
            CloseOurEnds();
        }
    }

    /// <summary>Copies output to the connection until its end (a pty's master reads EIO once the last
    /// slave is closed). A client that went away stops nothing: the output is drained and dropped.</summary>
    private static async Task PumpAsync(Stream source, Stream connection, byte? stream, SemaphoreSlim gate)
    {
        await using var _ = source;
        var buffer = new byte[StreamFrames.HeaderSize + Chunk];
        bool connected = true;
        while (true)
        {
            int n;
            try
            {
                n = await source.ReadAsync(buffer.AsMemory(StreamFrames.HeaderSize, Chunk));
            }
            catch (IOException)
            {
                n = 0;
            }
            if (n == 0) return;
            if (!connected) continue;
            int start = StreamFrames.HeaderSize;
            if (stream is byte s)
            {
                StreamFrames.WriteHeader(buffer, s, n);
                start = 0;
            }
            await gate.WaitAsync();
            try
            {
                await connection.WriteAsync(buffer.AsMemory(start, StreamFrames.HeaderSize + n - start));
                await connection.FlushAsync();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                connected = false;
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>stdin frames from the connection; their end closes the pipe (the process reads EOF).</summary>
    private static async Task CopyInputAsync(Stream connection, Stream destination, bool closeAtEnd)
    {
        try
        {
            await StreamFrames.ReadStdinAsync(connection, destination, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or EndOfStreamException)
        {
            // the process closed its stdin or ended, or the client went away
        }
        finally
        {
            if (closeAtEnd) await destination.DisposeAsync();
        }
    }

    public void Resize(ushort rows, ushort columns) => _terminal?.Resize(rows, columns);

    public ExecInspectResponse Inspect()
    {
        var exited = _exited;
        bool done = exited is { IsCompleted: true };
        return new ExecInspectResponse(id, containerId, exited is not null && !done, done ? exited!.Result : null, _pid);
    }

    /// <summary>Finished (or never started) before <paramref name="before"/>.</summary>
    public bool Idle(DateTimeOffset before) => _finished is { } f ? f < before : _exited is null && _created < before;

    private void CloseOurEnds()
    {
        _terminal?.Dispose();
        _stdin?.Dispose();
        _stdout?.Dispose();
        _stderr?.Dispose();
    }
}
