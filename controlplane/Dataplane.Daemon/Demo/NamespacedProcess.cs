using System.Diagnostics;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Daemon.Demo;

/// <summary>
/// Starts a program inside a network namespace: the child is forked from a thread that entered the
/// namespace, so it inherits it (no nsenter, no shell).
/// </summary>
public static class NamespacedProcess
{
    public static Process Start(NetworkNamespace ns, string file, params string[] args)
        => ns.Run(() =>
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) info.ArgumentList.Add(a);
            return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        });

    /// <summary>Runs to completion (killed after <paramref name="timeout"/>) and returns exit code and output.</summary>
    public static (int ExitCode, string Output) Run(NetworkNamespace ns, TimeSpan timeout, string file, params string[] args)
    {
        using var p = Start(ns, file, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"{file} timed out after {timeout.TotalSeconds:F0} s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
