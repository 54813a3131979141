using System.Diagnostics;
using System.Text.Json.Nodes;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.Cni;

/// <summary>
/// Podman from Debian, run as root inside a lab's fake host: network_backend "cni" with a conflist of
/// bridge + host-local + dataplane-cni (no portmap), its own storage, config and temp directories,
/// and a private mount namespace held by a sleeping process that every podman command joins (so the
/// netns bind mounts podman makes stay in one place). Never the root namespace. A busybox image is
/// imported from a rootfs tarball: no registry. Everything is removed on dispose.
/// </summary>
public sealed class PodmanLab : IDisposable
{
    // runc sets each rlimit it is given and this VM lacks CAP_SYS_RESOURCE, so the limits passed
    // must not exceed runc's own hard limits: small fixed values always fit.
    public const string Ulimits = "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096";
    public const string Image = "localhost/dpt-busybox";

    private readonly Process _holder = null!;
    private string? _hostNetns;

    public PodmanLab(NetworkNamespace host, JsonObject conflist)
    {
        Dir = Directory.CreateTempSubdirectory(TestNames.Unique("podman")).FullName;
        try
        {
            WriteConfig(conflist);
            _holder = Process.Start(new ProcessStartInfo("nsenter")
            {
                ArgumentList = { $"--net={NetworkNamespace.PathOf(host.Name!)}", "--", "unshare", "--mount", "--propagation", "private", "sleep", "infinity" },
                UseShellExecute = false,
            })!;
            AwaitPrivateMountNamespace();
            Ok($"import {Path.Combine(Dir, "rootfs.tar")} {Image}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Dir { get; }

    /// <summary>Runs podman with this lab's configuration in the fake host's network namespace.</summary>
    public (int ExitCode, string Output) Podman(string args, int timeoutSeconds = 120)
    {
        var info = new ProcessStartInfo("sh", ["-c", $"exec nsenter --target {_holder.Id} --mount --net -- podman {args}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["CONTAINERS_CONF"] = Path.Combine(Dir, "containers.conf");
        info.Environment["CONTAINERS_STORAGE_CONF"] = Path.Combine(Dir, "storage.conf");
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"timed out: podman {args}\n{stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public string Ok(string args)
    {
        var (code, output) = Podman(args);
        if (code != 0) throw new Xunit.Sdk.XunitException($"podman {args} exited {code}: {output}");
        return output;
    }

    /// <summary>Waits until `podman logs` of <paramref name="container"/> contains <paramref name="text"/>.</summary>
    public string AwaitLogs(string container, string text, int timeoutMs = 30_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var (_, logs) = Podman($"logs {container}");
            if (logs.Contains(text, StringComparison.Ordinal) || Environment.TickCount64 > deadline) return logs;
            Thread.Sleep(100);
        }
    }

    private void WriteConfig(JsonObject conflist)
    {
        string name = (string)conflist["name"]!;
        Directory.CreateDirectory(Path.Combine(Dir, "cni"));
        File.WriteAllText(Path.Combine(Dir, "cni", name + ".conflist"), conflist.ToJsonString());
        File.WriteAllText(Path.Combine(Dir, "containers.conf"), $"""
            [network]
            network_backend = "cni"
            network_config_dir = "{Dir}/cni"
            cni_plugin_dirs = ["{CniConflist.ReferencePluginDir}", "{Path.GetDirectoryName(DataplaneCni.Binary)}"]
            default_network = "{name}"
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            events_logfile_path = "{Dir}/events.log"
            tmp_dir = "{Dir}/tmp"
            static_dir = "{Dir}/static"
            volume_path = "{Dir}/volumes"
            """);
        File.WriteAllText(Path.Combine(Dir, "storage.conf"), $"""
            [storage]
            driver = "vfs"
            graphroot = "{Dir}/graph"
            runroot = "{Dir}/runroot"
            """);
        // busybox-static: sh, nc and httpd, whose CGI reports the client address the server saw.
        var rootfs = Path.Combine(Dir, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        Directory.CreateDirectory(Path.Combine(rootfs, "www", "cgi-bin"));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var tool in new[] { "sh", "nc", "httpd", "printf", "cat", "echo", "sleep" })
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", tool), "busybox");
        var cgi = Path.Combine(rootfs, "www", "cgi-bin", "ip");
        File.WriteAllText(cgi, "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho \"client=$REMOTE_ADDR\"\n");
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(cgi, (UnixFileMode)0b111_101_101);
        using var tar = Process.Start(new ProcessStartInfo("tar", ["-C", rootfs, "-cf", Path.Combine(Dir, "rootfs.tar"), "."]) { UseShellExecute = false })!;
        tar.WaitForExit();
        if (tar.ExitCode != 0) throw new InvalidOperationException($"tar of the busybox rootfs exited {tar.ExitCode}");
    }

    private void AwaitPrivateMountNamespace()
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (ReadLink($"/proc/{_holder.Id}/ns/mnt") == ReadLink("/proc/self/ns/mnt")
               || !File.ReadAllText($"/proc/{_holder.Id}/cmdline").StartsWith("sleep", StringComparison.Ordinal))
        {
            if (_holder.HasExited || Environment.TickCount64 > deadline)
                throw new InvalidOperationException("the process holding podman's mount namespace did not start");
            Thread.Sleep(20);
        }
        _hostNetns = ReadLink($"/proc/{_holder.Id}/ns/net");
    }

    private static string? ReadLink(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (IOException) { return null; }
    }

    public void Dispose()
    {
        if (_holder is { HasExited: false })
        {
            Podman("rm --all --force --time 0");
            _holder.Kill();
            _holder.WaitForExit();
        }
        _holder?.Dispose();
        KillLeftoverConmons();
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
    }

    /// <summary>Kills the conmon of containers podman could not remove: they run in the fake host's network namespace.</summary>
    private void KillLeftoverConmons()
    {
        if (_hostNetns is null) return;
        foreach (var pid in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Select(d => int.TryParse(d, out int n) ? n : 0).Where(n => n > 0))
        {
            try
            {
                if (ReadLink($"/proc/{pid}/ns/net") == _hostNetns && File.ReadAllText($"/proc/{pid}/comm").Trim() == "conmon")
                    Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException) { }
        }
    }
}
