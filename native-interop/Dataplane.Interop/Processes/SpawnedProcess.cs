using System.Runtime.InteropServices;
using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Processes;

/// <summary>
/// A child started with posix_spawnp: stdin from /dev/null, stdout and stderr appended straight to a
/// file (so its output is kept even when the parent dies), every signal at its default disposition
/// and none blocked (a parent that ignores SIGPIPE does not pass that on), in a session of its own,
/// in the root directory.
/// It inherits the calling thread's namespaces, so start it from a thread that entered them.
/// </summary>
public sealed unsafe class SpawnedProcess
{
    private const int OpaqueSize = 1024; // glibc: posix_spawnattr_t 336 bytes, file actions 80, sigset_t 128

    private const string WorkingDirectory = "/"; // as a container without a WORKDIR starts

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
    {
        if (command.Count == 0) throw new ArgumentException("no command", nameof(command));
        var block = (byte*)NativeMemory.AllocZeroed(3 * OpaqueSize);
        var actions = block;
        var attr = block + OpaqueSize;
        var signals = block + 2 * OpaqueSize;
        var argv = Utf8Array(command);
        var envp = Utf8Array(environment);
        bool actionsReady = false, attrReady = false, outputRef = false;
        try
        {
            output.DangerousAddRef(ref outputRef);
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", command[0]);
            actionsReady = true;
            Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "redirect stdin", "/dev/null");
            Check(posix_spawn_file_actions_adddup2(actions, output.Fd, 1), "redirect stdout", $"fd {output.Fd}");
            Check(posix_spawn_file_actions_adddup2(actions, 1, 2), "redirect stderr", $"fd {output.Fd}");
            Check(posix_spawn_file_actions_addchdir_np(actions, WorkingDirectory), "change directory", WorkingDirectory);
            Check(posix_spawnattr_init(attr), "posix_spawnattr_init", command[0]);
            attrReady = true;
            // Every signal but glibc's internal 32 and 33 (sigaddset refuses those): defaulting them
            // would leave them ignored across exec.
            sigemptyset(signals);
            for (int sig = 1; sig <= 64; sig++) sigaddset(signals, sig);
            Check(posix_spawnattr_setsigdefault(attr, signals), "posix_spawnattr_setsigdefault", command[0]);
            sigemptyset(signals);
            Check(posix_spawnattr_setsigmask(attr, signals), "posix_spawnattr_setsigmask", command[0]);
            Check(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID), "posix_spawnattr_setflags", command[0]);
            int pid;
            int error = posix_spawnp(&pid, command[0], actions, attr, argv, envp);
            if (error != 0) throw new InteropException("start process", command[0], (Errno)error);
            return new SpawnedProcess(pid);
        }
        finally
        {
            if (outputRef) output.DangerousRelease();
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
