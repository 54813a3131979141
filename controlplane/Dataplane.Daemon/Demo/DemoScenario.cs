using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Api;
using Dataplane.Interop.Bpf;

namespace Dataplane.Daemon.Demo;

/// <summary>
/// `dataplane demo`: the real daemon in a throwaway lab's fake host, driven by the real commands a
/// Docker user would type (run -p, ps, port, logs, rm), with iperf3 traffic in through the
/// published port and out through masquerade. Prints each command, its output and the numbers,
/// then removes everything (the root namespace is never touched).
/// </summary>
public static class DemoScenario
{
    private const int HostPort = 8080, ContainerPort = 5201, ClientPort = 5202;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(TextWriter o, int seconds, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        o.WriteLine("Dataplane demo: Docker-style port publishing with the NAT in eBPF (throwaway namespaces; the root namespace is not touched)");
        using var lab = new DemoLab();
        var stateDir = Directory.CreateTempSubdirectory(lab.Prefix).FullName;
        var socket = Path.Combine(stateDir, "dataplane.sock");
        var pins = Path.Combine(BpfFs.DefaultRoot, lab.Prefix + "pins");
        Process? daemon = null;
        try
        {
            o.WriteLine($"  lab       fake host {lab.Host.Name} ({DemoLab.Uplink} {DemoLab.HostAddress}/24)  <->  external client {lab.Client.Name} ({DemoLab.ClientAddress})");
            daemon = StartDaemon(lab, socket, stateDir, pins);
            o.WriteLine($"  daemon    dataplane daemon in {lab.Host.Name} (pid {daemon.Id}), API on unix://{socket}, maps pinned in {pins}");

            var cli = new DemoCli(o, socket);
            // The server stays up after the test (no -1): a container that exits gives its ports back, as in Docker.
            await cli.Run(ct, "run", "-d", "--name", "web", "-p", $"{HostPort}:{ContainerPort}", "--", "iperf3", "-s", "-J", "-p", $"{ContainerPort}");
            await cli.Run(ct, "ps");
            await cli.Run(ct, "port", "web");

            // In through the published port: the client talks to the host address; the container sees the client's own address.
            Thread.Sleep(300);
            var (exit, json) = NamespacedProcess.Run(lab.Client, Timeout, "iperf3", "-c", $"{DemoLab.HostAddress}", "-p", $"{HostPort}", "-t", $"{seconds}", "-J");
            Report(o, $"in   {DemoLab.ClientAddress} -> {DemoLab.HostAddress}:{HostPort} (published) -> web:{ContainerPort}", exit, json);
            var serverJson = await WaitForLog(cli, "web", ct);
            o.WriteLine($"       the container saw the client as {RemoteHost(serverJson)} (source address preserved, no proxy)");
            using var api = new ApiClient(socket); // the demo is a client: counters come through the API
            var counters = (await api.PortCountersAsync("web", ct)).Aggregate((Packets: 0UL, Bytes: 0UL), (t, p) => (t.Packets + p.Packets, t.Bytes + p.Bytes));
            o.WriteLine($"       published-port counters (GET /containers/web/port/counters): {counters.Packets:N0} packets, {counters.Bytes / 1e6:N1} MB");

            // Out through masquerade: a second container's client; the external side sees the host's address.
            using (var server = NamespacedProcess.Start(lab.Client, "iperf3", "-s", "-1", "-J", "-p", $"{ClientPort}"))
            {
                Thread.Sleep(300);
                var run = await cli.Capture(ct, "run", "--rm", "--name", "client", "--", "iperf3", "-c", $"{DemoLab.ClientAddress}", "-p", $"{ClientPort}", "-t", $"{seconds}", "-J");
                o.WriteLine($"  $ dataplane run --rm --name client -- iperf3 -c {DemoLab.ClientAddress} -p {ClientPort} -t {seconds} -J");
                Report(o, $"out  client -> {DemoLab.ClientAddress}:{ClientPort} (masquerade)", run.ExitCode, run.Out);
                server.WaitForExit(5000);
                o.WriteLine($"       the external client saw the connection from {RemoteHost(server.StandardOutput.ReadToEnd())}");
            }

            await cli.Run(ct, "rm", "-f", "web");
            await cli.Run(ct, "ps", "-a");
            return 0;
        }
        catch (Exception e)
        {
            o.WriteLine($"demo failed: {e.Message}");
            if (File.Exists(Path.Combine(stateDir, "daemon.log"))) o.WriteLine(File.ReadAllText(Path.Combine(stateDir, "daemon.log")));
            return 1;
        }
        finally
        {
            if (daemon is not null)
            {
                // Anything the demo left running goes with the daemon's sandboxes and the lab.
                if (!daemon.HasExited) daemon.Kill(entireProcessTree: true);
                daemon.WaitForExit();
                daemon.Dispose();
            }
            foreach (var ns in Interop.Namespaces.NetworkNamespace.List().Where(n => n.StartsWith(SandboxPrefix(lab), StringComparison.Ordinal)))
                Interop.Namespaces.NetworkNamespace.Delete(ns);
            BpfFs.RemovePinDirectory(pins);
            Directory.Delete(stateDir, recursive: true);
            o.WriteLine($"  teardown  daemon stopped; namespaces, links, pins and state removed ({watch.Elapsed.TotalSeconds:F1} s in all)");
        }
    }

    // The daemon owns every namespace with its prefix (it removes those no container claims): not the lab's.
    private static string SandboxPrefix(DemoLab lab) => lab.Prefix + "c-";

    /// <summary>This very program as `dataplane daemon`, started from a thread inside the fake host's namespace.</summary>
    private static Process StartDaemon(DemoLab lab, string socket, string stateDir, string pins)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardInput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") info.ArgumentList.Add(typeof(DemoScenario).Assembly.Location);
        foreach (var a in new[] { "daemon", "--host", $"unix://{socket}", "--state-dir", stateDir, "--pin-dir", pins, "--netns-prefix", SandboxPrefix(lab),
                     "--uplink", DemoLab.Uplink, "--socket-cgroup", "none", "--bridge-subnet", "198.19.0.0/16" })
            info.ArgumentList.Add(a);
        var log = Path.Combine(stateDir, "daemon.log");
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        var daemon = lab.Host.Run(() => Process.Start(info)!);
        var sink = new StreamWriter(log) { AutoFlush = true };
        daemon.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        for (int i = 0; i < 200 && !File.Exists(socket) && !daemon.HasExited; i++) Thread.Sleep(50);
        if (!File.Exists(socket)) throw new InvalidOperationException("the daemon did not open its socket within 10 s");
        return daemon;
    }

    private static async Task<string> WaitForLog(DemoCli cli, string container, CancellationToken ct)
    {
        for (int i = 0; i < 50; i++)
        {
            var logs = await cli.Capture(ct, "logs", container);
            if (logs.Out.Contains("\"end\"", StringComparison.Ordinal)) return logs.Out;
            await Task.Delay(100, ct);
        }
        return "";
    }

    private static void Report(TextWriter o, string path, int exit, string json)
    {
        if (exit != 0)
            throw new InvalidOperationException($"iperf3 failed ({path}): {json.Trim()}");
        using var doc = JsonDocument.Parse(json);
        var received = doc.RootElement.GetProperty("end").GetProperty("sum_received");
        double gbits = received.GetProperty("bits_per_second").GetDouble() / 1e9;
        o.WriteLine($"  traffic   {path}: {gbits.ToString("F2", CultureInfo.InvariantCulture)} Gbit/s (iperf3, TCP)");
    }

    private static string RemoteHost(string serverJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(serverJson);
            return doc.RootElement.GetProperty("start").GetProperty("connected")[0].GetProperty("remote_host").GetString() ?? "?";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return "?";
        }
    }

    /// <summary>The real `dataplane` command (installed beside this program), against the lab's daemon.</summary>
    private sealed class DemoCli(TextWriter o, string socket)
    {
        public async Task Run(CancellationToken ct, params string[] args)
        {
            o.WriteLine($"  $ dataplane {string.Join(' ', args)}");
            var r = await Capture(ct, args);
            foreach (var line in (r.Out + r.Err).TrimEnd('\n').Split('\n')) o.WriteLine($"    {line}");
            if (r.ExitCode != 0) throw new InvalidOperationException($"dataplane {args[0]} exited {r.ExitCode}");
        }

        public async Task<(int ExitCode, string Out, string Err)> Capture(CancellationToken ct, params string[] args)
        {
            var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dataplane"))
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in args) info.ArgumentList.Add(a);
            info.Environment["DATAPLANE_HOST"] = $"unix://{socket}";
            using var p = Process.Start(info)!;
            var stdout = p.StandardOutput.ReadToEndAsync(ct);
            var stderr = p.StandardError.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            return (p.ExitCode, await stdout, await stderr);
        }
    }
}
