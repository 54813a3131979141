using Dataplane.Interop;
using Dataplane.Interop.Processes;

namespace Dataplane.Tests.Interop.Processes;

public sealed class SpawnedProcessTests : IDisposable
{
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"dpt-spawn-{Guid.NewGuid():n}.log");

    public void Dispose() => File.Delete(_log);

    [Fact]
    public void Start_OutputAppendedToTheFile_ExitCodeReturned_EnvironmentOnlyWhatWasGiven()
    {
        File.WriteAllText(_log, "before\n");
        var p = SpawnedProcess.Start(["/bin/sh", "-c", "echo out; echo err >&2; echo \"$ONLY:$HOME\"; pwd; exit 7"], ["ONLY=given"], _log);
        Assert.Equal(7, p.WaitForExit());
        Assert.Equal("before\nout\nerr\ngiven:\n/\n", File.ReadAllText(_log));
    }

    [Fact]
    public void Killed_ReportsOneHundredTwentyEightPlusTheSignal()
    {
        var p = SpawnedProcess.Start(["sleep", "30"], ["PATH=/usr/bin:/bin"], _log);
        System.Diagnostics.Process.GetProcessById(p.Pid).Kill();
        Assert.Equal(137, p.WaitForExit());
    }

    [Fact]
    public void Start_MissingProgram_ThrowsEnoentNamingIt()
    {
        var e = Assert.Throws<InteropException>(() => SpawnedProcess.Start(["dpt-no-such-program"], [], _log));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("dpt-no-such-program", e.Message);
    }

    [Fact]
    public void Start_OpenedOutput_WrittenThroughTheHandleNotThePath()
    {
        var moved = _log + ".moved";
        try
        {
            using (var output = SpawnedProcess.OpenOutput(_log))
            {
                File.Move(_log, moved); // the path no longer leads to the file, as in a sandbox that hides its directory
                Assert.Equal(0, SpawnedProcess.Start(["/bin/sh", "-c", "echo kept"], [], output).WaitForExit());
            }
            Assert.False(File.Exists(_log));
            Assert.Equal("kept\n", File.ReadAllText(moved));
        }
        finally
        {
            File.Delete(moved);
        }
    }

    [Fact]
    public void OpenOutput_DirectoryMissing_ThrowsEnoentNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dpt-missing-{Guid.NewGuid():n}", "log");
        var e = Assert.Throws<InteropException>(() => SpawnedProcess.OpenOutput(path));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(path, e.Message);
    }
}
