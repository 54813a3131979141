using Dataplane.Interop;
using Dataplane.Interop.Files;

namespace Dataplane.Tests.Interop.Files;

public sealed class DirectorySyncTests
{
    [Fact]
    public void Fsync_ExistingDirectory_Succeeds()
    {
        var dir = Directory.CreateTempSubdirectory("dpt-sync-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "f"), "x");
            DirectorySync.Fsync(dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Fsync_Missing_ThrowsEnoentNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dpt-no-such-dir-{Guid.NewGuid():n}");
        var e = Assert.Throws<InteropException>(() => DirectorySync.Fsync(path));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Fsync_File_ThrowsEnotdir()
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.Equal(Errno.ENOTDIR, Assert.Throws<InteropException>(() => DirectorySync.Fsync(file)).Errno);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
