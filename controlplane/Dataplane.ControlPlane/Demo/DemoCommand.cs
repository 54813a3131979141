using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Host;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Demo;

/// <summary>
/// `dataplane demo`: publishes a container port in a throwaway lab and moves real traffic through
/// the eBPF data path: in through the published port, out through masquerade, and from the host's
/// own loopback. Prints what it does and the numbers, then removes everything.
/// </summary>
public static class DemoCommand
{
    private static readonly BridgeNetwork Bridge = new(1, "dp0", IPAddress.Parse("198.19.0.0"), 16, IPAddress.Parse("198.19.0.1"));
    private static readonly IPAddress Web = IPAddress.Parse("198.19.0.2");
    private const ushort HostPort = 8080, ContainerPort = 5201, ClientPort = 5202;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static int Run(TextWriter o, int seconds = 3)
    {
        var watch = Stopwatch.StartNew();
        o.WriteLine("Dataplane demo: Docker-style port publishing with the NAT in eBPF (throwaway namespaces; the root namespace is not touched)");
        using var lab = new DemoLab();
        var pins = Path.Combine(BpfFs.DefaultRoot, lab.Prefix + "pins");
        NetworkHost? host = null;
        NetworkNamespace? web = null;
        try
        {
            o.WriteLine($"  lab       fake host {lab.Host.Name} ({DemoLab.Uplink} {DemoLab.HostAddress}/24)  <->  external client {lab.Client.Name} ({DemoLab.ClientAddress})");
            host = NetworkHost.Start(new NetworkHostOptions
            {
                Namespace = lab.Host.Name,
                Uplinks = [DemoLab.Uplink],
                SandboxPrefix = lab.Prefix,
                DataPath = new DataPathOptions { PinDirectory = pins },
            });
            o.WriteLine($"  data path dp_nat loaded, maps pinned in {pins}, tc ingress on {DemoLab.Uplink}");
            host.EnsureNetwork(Bridge);
            o.WriteLine($"  network   bridge {Bridge.Bridge} {Bridge.Subnet}/{Bridge.PrefixLength} gateway {Bridge.Gateway}");
            web = host.CreateSandbox("web");
            host.Connect(web, "web", Bridge, Web, "veth0d15e01");
            var mapping = new PortMapping(1, null, DataPathAbi.ProtoTcp, HostPort, Web, ContainerPort);
            host.Publish(mapping);
            o.WriteLine($"  run       -d --name web -p {HostPort}:{ContainerPort}   (sandbox {host.SandboxNamespaceName("web")}, {Web})");
            o.WriteLine($"  published {ContainerPort}/tcp -> 0.0.0.0:{HostPort}");

            // In through the published port: the client talks to the host address; the container sees the client's own address.
            using (var server = NamespacedProcess.Start(web, "iperf3", "-s", "-1", "-p", $"{ContainerPort}", "-J"))
            {
                Thread.Sleep(300);
                var (exit, json) = NamespacedProcess.Run(lab.Client, Timeout, "iperf3", "-c", $"{DemoLab.HostAddress}", "-p", $"{HostPort}", "-t", $"{seconds}", "-J");
                server.WaitForExit(5000);
                var serverJson = server.StandardOutput.ReadToEnd();
                Report(o, $"in   {DemoLab.ClientAddress} -> {DemoLab.HostAddress}:{HostPort} (published) -> {Web}:{ContainerPort}", exit, json);
                o.WriteLine($"       the container saw the client as {RemoteHost(serverJson)} (source address preserved, no proxy)");
            }
            var counters = host.Maps.MappingCounters(mapping.Id);
            o.WriteLine($"       mapping counters: {counters.Packets:N0} packets, {counters.Bytes / 1e6:N1} MB");

            // Out through masquerade: the external client sees the host's address.
            using (var server = NamespacedProcess.Start(lab.Client, "iperf3", "-s", "-1", "-p", $"{ClientPort}", "-J"))
            {
                Thread.Sleep(300);
                var (exit, json) = NamespacedProcess.Run(web, Timeout, "iperf3", "-c", $"{DemoLab.ClientAddress}", "-p", $"{ClientPort}", "-t", $"{seconds}", "-J");
                server.WaitForExit(5000);
                Report(o, $"out  {Web} -> {DemoLab.ClientAddress}:{ClientPort} (masquerade)", exit, json);
                o.WriteLine($"       the external client saw the connection from {RemoteHost(server.StandardOutput.ReadToEnd())}");
            }

            var drops = host.Maps.Drops().Where(d => d.Value.Packets > 0).Select(d => $"{d.Key}={d.Value.Packets}").ToList();
            o.WriteLine($"  drops     {(drops.Count == 0 ? "none" : string.Join(", ", drops))}");
            return 0;
        }
        catch (Exception e)
        {
            o.WriteLine($"demo failed: {e.Message}");
            return 1;
        }
        finally
        {
            web?.Dispose();
            if (host is not null)
            {
                host.DeleteSandbox("web");
                host.Uninstall();
                host.Dispose();
            }
            BpfFs.RemovePinDirectory(pins);
            o.WriteLine($"  teardown  namespaces, links and pins removed ({watch.Elapsed.TotalSeconds:F1} s in all)");
        }
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
}
