using Dataplane.Interop;
using Dataplane.Interop.Files;

namespace Dataplane.Tests.Interop.Files;

public sealed class ExclusiveLockTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dpt-lock-");
    private string LockPath => Path.Combine(_dir.FullName, "dataplane.lock");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Acquire_Free_WritesTheHoldersPid()
    {
        using var held = ExclusiveLock.Acquire(LockPath);
        Assert.Equal($"{Environment.ProcessId}\n", ReadShared(LockPath));
    }

    [Fact]
    public void Acquire_HeldByAnotherHandle_FailsNamingTheHoldersPid_AndTheHolderKeepsIt()
    {
        using var first = ExclusiveLock.Acquire(LockPath);
        var e = Assert.Throws<InteropException>(() => ExclusiveLock.Acquire(LockPath));
        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Contains(LockPath, e.Message);
        Assert.Contains($"held by process {Environment.ProcessId}", e.Message);
        Assert.Null(ExclusiveLock.TryAcquire(LockPath, out var holder));
        Assert.Equal(Environment.ProcessId, holder);
        Assert.Equal($"{Environment.ProcessId}\n", ReadShared(LockPath));
    }

    [Fact]
    public void Acquire_AfterTheHolderDisposed_Succeeds()
    {
        ExclusiveLock.Acquire(LockPath).Dispose();
        using var second = ExclusiveLock.TryAcquire(LockPath, out var holder);
        Assert.NotNull(second);
        Assert.Null(holder);
    }

    [Fact]
    public void Acquire_HeldByAnotherProcess_NamesThatProcess()
    {
        // flock(1) holds the lock in a child process until it ends: the pid written there is flock's shell.
        var psi = new System.Diagnostics.ProcessStartInfo("flock") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-x", "-n", LockPath, "sh", "-c", $"echo $$ > {LockPath}; echo ready; read _" }) psi.ArgumentList.Add(a);
        using var child = System.Diagnostics.Process.Start(psi)!;
        try
        {
            Assert.Equal("ready", child.StandardOutput.ReadLine());
            var e = Assert.Throws<InteropException>(() => ExclusiveLock.Acquire(LockPath));
            Assert.Contains($"held by process {ReadShared(LockPath).Trim()}", e.Message);
            Assert.NotEqual($"{Environment.ProcessId}", ReadShared(LockPath).Trim());
        }
        finally
        {
            child.StandardInput.Close();
            child.WaitForExit();
        }
        using var mine = ExclusiveLock.Acquire(LockPath);
    }

    [Fact]
    public void Acquire_DirectoryMissing_ThrowsEnoentNamingThePath()
    {
        var path = Path.Combine(_dir.FullName, "missing", "dataplane.lock");
        var e = Assert.Throws<InteropException>(() => ExclusiveLock.Acquire(path));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(path, e.Message);
    }

    // .NET's own file APIs take flock(LOCK_SH) on open, which the exclusive lock refuses: read without locking.
    private static string ReadShared(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("cat", path) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text;
    }
}
