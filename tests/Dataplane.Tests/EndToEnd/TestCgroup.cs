namespace Dataplane.Tests.EndToEnd;

/// <summary>A cgroup v2 directory of our own (never the root cgroup) for the socket hooks; removed on dispose.</summary>
public sealed class TestCgroup : IDisposable
{
    public TestCgroup(string name)
    {
        var root = File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' '))
            .Where(f => f.Length > 8 && f[Array.IndexOf(f, "-") + 1] == "cgroup2").Select(f => f[4]).FirstOrDefault()
            ?? throw new InvalidOperationException("no cgroup2 mount found");
        Path = System.IO.Path.Combine(root, name);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A shell command prefix that moves the shell into this cgroup before running the rest.</summary>
    public string Enter => $"echo $$ > {Path}/cgroup.procs;";

    public void Dispose()
    {
        for (int i = 0; i < 50 && Directory.Exists(Path); i++)
        {
            try { Directory.Delete(Path); }
            catch (IOException) { Thread.Sleep(100); } // processes still leaving
        }
    }
}
