using System.Diagnostics;

namespace Dataplane.Tests.Support.Runtimes;

/// <summary>
/// A container image built offline: busybox-static (sh, httpd, sleep) plus the host's iperf3 and curl
/// with their libraries, and a CGI script that answers with the client address the server saw.
/// Written as a rootfs tarball for `docker import`; about 30 MB, about a second.
/// </summary>
public static class TinyImage
{
    public const string Name = "dpt/tiny:1";
    // Dynamic binaries with their libraries: busybox-static's wget and nc crash resolving names without NSS.
    private static readonly string[] Binaries = ["/usr/bin/iperf3", "/usr/bin/curl"];
    private static readonly string[] Applets = ["sh", "httpd", "sed", "sleep", "cat", "echo", "ip", "ls"];

    /// <summary>Writes the rootfs under <paramref name="workDir"/> and returns the tarball's path.</summary>
    public static string BuildTarball(string workDir)
    {
        var root = Path.Combine(workDir, "rootfs");
        foreach (var dir in new[] { "bin", "tmp", "etc", "www/cgi-bin" }) Directory.CreateDirectory(Path.Combine(root, dir));
        File.Copy("/bin/busybox", Path.Combine(root, "bin/busybox"));
        foreach (var applet in Applets) File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        foreach (var binary in Binaries)
            foreach (var file in LibrariesOf(binary).Prepend(binary)) CopyInto(root, file);
        File.WriteAllText(Path.Combine(root, "www/index.html"), "hello from docker\n");
        // REMOTE_ADDR is the peer address httpd accepted from: the test checks the client address is kept.
        var cgi = Path.Combine(root, "www/cgi-bin/ip");
        File.WriteAllText(cgi, "#!/bin/sh\necho \"Content-Type: text/plain\"\necho\necho \"$REMOTE_ADDR\" | sed -e 's/^\\[::ffff://' -e 's/\\]$//'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(cgi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(root, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
        var tarball = Path.Combine(workDir, "tiny.tar");
        var (code, output) = Run("tar", $"-C {root} -cf {tarball} .");
        if (code != 0) throw new InvalidOperationException($"tar failed: {output}");
        return tarball;
    }

    private static void CopyInto(string root, string file)
    {
        var target = root + file;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file, target, overwrite: true);
    }

    /// <summary>The shared libraries and loader a binary needs, from ldd.</summary>
    private static IEnumerable<string> LibrariesOf(string binary)
    {
        var (code, output) = Run("ldd", binary);
        if (code != 0) throw new InvalidOperationException($"ldd {binary} failed: {output}");
        return output.Split('\n').SelectMany(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).Where(w => w.StartsWith('/')).Distinct().ToList();
    }

    private static (int, string) Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
