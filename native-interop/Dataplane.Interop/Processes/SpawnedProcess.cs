using System.Runtime.InteropServices;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Processes;

/// <summary>
/// A child started with posix_spawnp: by default stdin from /dev/null, stdout and stderr appended
/// straight to a file (so its output is kept even when the parent dies; <see cref="ChildStdio"/> gives
/// pipes or a terminal instead), every signal at its default disposition
/// and none blocked (a parent that ignores SIGPIPE does not pass that on), in a session of its own,
/// in the root directory.
/// It inherits the calling thread's namespaces, so start it from a thread that entered them.
/// </summary>
public sealed unsafe class SpawnedProcess
{
    private const int OpaqueSize = 1024; // glibc: posix_spawnattr_t 336 bytes, file actions 80, sigset_t 128

    private SpawnedProcess(int pid) => Pid = pid;

    public int Pid { get; }

    /// <param name="command">The program (searched in PATH) and its arguments.</param>
    /// <param name="environment">KEY=VALUE entries: the whole environment, nothing inherited.</param>
    /// <param name="outputPath">Appended to (created 0640 if missing) by stdout and stderr.</param>
    public static SpawnedProcess Start(IReadOnlyList<string> command, IReadOnlyList<string> environment, string outputPath)
    {
        using var output = OpenOutput(outputPath);
        return Start(command, environment, output);
    }

    /// <summary>
    /// Opens (creating 0640) a file for a child's output, for appending. Open it before entering a
    /// sandbox whose mount namespace hides the file's directory, or whose user may not write it.
    /// </summary>
    public static FileDescriptorHandle OpenOutput(string path)
    {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0x1a0);
        if (fd < 0) throw InteropException.FromLastError("open output file", path);
        return new FileDescriptorHandle(fd);
    }

    /// <param name="command">The program (searched in PATH) and its arguments.</param>
    /// <param name="environment">KEY=VALUE entries: the whole environment, nothing inherited.</param>
    /// <param name="output">Where stdout and stderr go (see <see cref="OpenOutput"/>); the caller keeps and closes it.</param>
    public static SpawnedProcess Start(IReadOnlyList<string> command, IReadOnlyList<string> environment, FileDescriptorHandle output)
        => Start(command, environment, ChildStdio.Output(output));

    /// <param name="command">The program (searched in PATH) and its arguments.</param>
    /// <param name="environment">KEY=VALUE entries: the whole environment, nothing inherited.</param>
    /// <param name="stdio">Its standard streams and working directory; the caller keeps and closes the handles.</param>
    public static SpawnedProcess Start(IReadOnlyList<string> command, IReadOnlyList<string> environment, ChildStdio stdio)
    {
        if (command.Count == 0) throw new ArgumentException("no command", nameof(command));
        var block = (byte*)NativeMemory.AllocZeroed(3 * OpaqueSize);
        var actions = block;
        var attr = block + OpaqueSize;
        var signals = block + 2 * OpaqueSize;
        var argv = Utf8Array(command);
        var envp = Utf8Array(environment);
        bool actionsReady = false, attrReady = false;
        var referenced = new List<SafeHandle>(3);
        try
        {
            foreach (var h in new[] { stdio.Stdin, stdio.Stdout, stdio.Stderr }.OfType<SafeHandle>().Distinct())
            {
                bool added = false;
                h.DangerousAddRef(ref added);
                if (added) referenced.Add(h);
            }
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", command[0]);
            actionsReady = true;
            AddStdio(actions, stdio);
            Check(posix_spawn_file_actions_addchdir_np(actions, stdio.WorkingDirectory), "change directory", stdio.WorkingDirectory);
            Check(posix_spawnattr_init(attr), "posix_spawnattr_init", command[0]);
            attrReady = true;
            // Every signal but glibc's internal 32 and 33 (sigaddset refuses those): defaulting them
            // would leave them ignored across exec.
            sigemptyset(signals);
            for (int sig = 1; sig <= 64; sig++) sigaddset(signals, sig);
            Check(posix_spawnattr_setsigdefault(attr, signals), "posix_spawnattr_setsigdefault", command[0]);
            sigemptyset(signals);
            Check(posix_spawnattr_setsigmask(attr, signals), "posix_spawnattr_setsigmask", command[0]);
            // glibc runs setsid before the file actions: a terminal opened by them becomes the controlling one.
            Check(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID), "posix_spawnattr_setflags", command[0]);
            int pid;
            int error = posix_spawnp(&pid, command[0], actions, attr, argv, envp);
            if (error != 0) throw new InteropException("start process", command[0], (Errno)error);
            return new SpawnedProcess(pid);
        }
        finally
        {
            foreach (var h in referenced) h.DangerousRelease();
            if (actionsReady) posix_spawn_file_actions_destroy(actions);
            if (attrReady) posix_spawnattr_destroy(attr);
            FreeUtf8Array(argv, command.Count);
            FreeUtf8Array(envp, environment.Count);
            NativeMemory.Free(block);
        }
    }

    /// <summary>Blocks until the child ends and reaps it: its exit code, or 128 + the signal that killed it (137 for SIGKILL).</summary>
    public int WaitForExit()
    {
        int status;
        while (waitpid(Pid, &status, 0) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != (int)Errno.EINTR) throw new InteropException("wait for process", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), (Errno)errno);
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }

    public Task<int> WaitForExitAsync() => Task.Factory.StartNew(WaitForExit, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void AddStdio(void* actions, ChildStdio stdio)
    {
        if (stdio.Terminal is { } tty)
        {
            Check(posix_spawn_file_actions_addopen(actions, 0, tty, O_RDWR, 0), "open terminal", tty); // no O_NOCTTY: it becomes the controlling terminal
            Check(posix_spawn_file_actions_adddup2(actions, 0, 1), "redirect stdout", tty);
            Check(posix_spawn_file_actions_adddup2(actions, 0, 2), "redirect stderr", tty);
            return;
        }
        AddStream(actions, stdio.Stdin, 0, O_RDONLY);
        AddStream(actions, stdio.Stdout, 1, O_WRONLY);
        if (stdio.Stderr is not null && ReferenceEquals(stdio.Stderr, stdio.Stdout))
            Check(posix_spawn_file_actions_adddup2(actions, 1, 2), "redirect stderr", "stdout");
        else
            AddStream(actions, stdio.Stderr, 2, O_WRONLY);
    }

    private static void AddStream(void* actions, SafeHandle? handle, int target, int nullFlags)
    {
        if (handle is null)
            Check(posix_spawn_file_actions_addopen(actions, target, "/dev/null", nullFlags, 0), "redirect to /dev/null", $"fd {target}");
        else
            Check(posix_spawn_file_actions_adddup2(actions, (int)handle.DangerousGetHandle(), target), "redirect", $"fd {target}");
    }

    private static void Check(int error, string operation, string subject)
    {
        if (error != 0) throw new InteropException(operation, subject, (Errno)error);
    }

    private static byte** Utf8Array(IReadOnlyList<string> items)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(items.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < items.Count; i++) array[i] = (byte*)Marshal.StringToCoTaskMemUTF8(items[i]);
        return array;
    }

    private static void FreeUtf8Array(byte** array, int count)
    {
        for (int i = 0; i < count; i++) Marshal.FreeCoTaskMem((nint)array[i]);
        NativeMemory.Free(array);
    }
}
