using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using Xunit.Abstractions;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// Observability against the real daemon and CLI: traffic through a published port, out through
/// masquerade and straight at a container's address (refused), then what an operator sees: the
/// Prometheus scrape (parsed by the reference Python parser), `conntrack ls`/`flush`, `nat ls`,
/// `monitor` and `info`; and a flood of drops that leaves the API answering.
/// </summary>
public sealed class ObservabilityEndToEndTests(ITestOutputHelper output)
{
    private const string MetricsAddress = "127.0.0.1:9323"; // in the lab's fake host: no clash with anything

    [PrivilegedFact]
    public void PublishedMasqueradedAndRefusedTraffic_MetricsConntrackNatMonitorAndInfoShowIt()
    {
        using var lab = new DaemonLab();
        lab.KillDaemon();
        lab.StartDaemon(extraArgs: $"--metrics-addr {MetricsAddress}");
        lab.Ok("run", "-d", "--name", "web", "-p", "8080:5201", "--", "nc", "-l", "-k", "5201");
        lab.AwaitListener("web", 5201);
        var ctr = lab.Ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web").Trim();
        using var monitor = StartMonitor(lab);

        // A live flow through the published port, a masqueraded datagram, refused SYNs straight at the container.
        lab.Lab.StartIn(lab.Lab.External, "sh", $"-c \"sleep 60 | nc {Lab.HostAddress} 8080\"");
        lab.AwaitEstablished("web", 5201, 1);
        Wait.Until(() =>
        {
            Lab.RunIn(lab.Lab.External, "nc", $"-z -w 1 {ctr} 5201");
            return monitor.Output.Contains("direct_routed");
        }, "monitor printing the refused SYN", timeoutMs: 30_000);
        lab.Cli("exec", "web", "sh", "-c", $"echo out | nc -u -w 1 {Lab.ExternalAddress} 9999"); // nothing listens there: nc may report the refusal

        // monitor: reason, program, interface and 5-tuple of the refused packet
        var drop = monitor.Output.Split('\n').First(l => l.Contains("direct_routed"));
        output.WriteLine(drop);
        Assert.Matches($@"drop \(direct_routed\) dp_uplink_in uplink0\(\d+\) tcp {Lab.ExternalAddress}:\d+ -> {ctr}:5201 len=\d+", drop);

        // conntrack ls: the established flow with both tuples, by port and by container
        var flows = lab.Ok("conntrack", "ls", "--port", "8080");
        output.WriteLine(flows);
        Assert.Matches($@"tcp +6 \d+ ESTABLISHED src={Lab.ExternalAddress} dst={Lab.HostAddress} sport=\d+ dport=8080 packets=\d+ bytes=\d+ src={ctr} dst={Lab.ExternalAddress} sport=5201 dport=\d+ packets=\d+ bytes=\d+ \[ASSURED\] nat=dnat mapping=\d+ container=web", flows);
        var json = JsonDocument.Parse(lab.Ok("conntrack", "ls", "--container", "web", "--proto", "udp", "-o", "json")).RootElement;
        var udp = Assert.Single(json.EnumerateArray());
        Assert.Equal(("udp", ctr, Lab.ExternalAddress.ToString(), 9999, "masquerade"),
            (udp.GetProperty("proto").GetString(), udp.GetProperty("source").GetString(), udp.GetProperty("destination").GetString(),
             udp.GetProperty("destinationPort").GetInt32(), udp.GetProperty("translation").GetString()));
        Assert.Equal(Lab.HostAddress.ToString(), udp.GetProperty("replyDestination").GetString()); // the masquerade address
        var masqPort = udp.GetProperty("replyDestinationPort").GetInt32();

        // nat ls: the reservation of that flow
        var nat = lab.Ok("nat", "ls");
        output.WriteLine(nat);
        Assert.Matches($@"udp +{Lab.HostAddress}:{masqPort} +{ctr}:\d+ +{Lab.ExternalAddress}:9999 +web", nat);

        // the scrape, on the API socket and on --metrics-addr, parsed by prometheus_client
        var scrape = Curl("--unix-socket", lab.Socket, "http://dataplane/metrics");
        output.WriteLine(string.Join('\n', scrape.Split('\n').Where(l => l.Contains("direct_routed\",direction=\"ingress") || l.Contains("path=\"dnat\"") || l.Contains("host_port=\"8080\""))));
        var samples = Parse(scrape);
        Assert.True(Value(samples, "dataplane_published_port_packets_total", ("container", "web"), ("host_port", "8080"), ("proto", "tcp")) > 0);
        Assert.True(Value(samples, "dataplane_forward_packets_total", ("path", "dnat")) > 0);
        Assert.True(Value(samples, "dataplane_forward_packets_total", ("path", "dnat_reply")) > 0);
        Assert.True(Value(samples, "dataplane_forward_packets_total", ("path", "masquerade")) > 0);
        Assert.True(Value(samples, "dataplane_drop_packets_total", ("reason", "direct_routed"), ("direction", "ingress")) > 0);
        Assert.True(Value(samples, "dataplane_conntrack_entries", ("family", "ipv4"), ("proto", "tcp"), ("state", "established")) >= 2);
        Assert.True(Value(samples, "dataplane_bpf_map_pressure", ("map", "dp_ct")) > 0);
        Assert.True(Value(samples, "dataplane_masquerade_ports_in_use") >= 1);
        Assert.True(Value(samples, "dataplane_monitor_events_total", ("outcome", "emitted")) >= 1);
        Assert.True(Value(samples, "dataplane_api_request_duration_seconds_count", ("route", "/containers"), ("method", "POST"), ("code", "201")) >= 1);
        Assert.Equal(1, Value(samples, "dataplane_reconcile_runs_total"));
        Assert.Equal(1, Value(samples, "dataplane_published_ports"));
        Assert.Equal(1, Value(samples, "dataplane_containers"));
        var (code, tcpScrape) = Lab.RunIn(lab.Lab.Host, "curl", $"-sf http://{MetricsAddress}/metrics");
        Assert.True(code == 0, tcpScrape);
        Assert.True(Value(Parse(tcpScrape), "dataplane_forward_packets_total", ("path", "dnat")) > 0);

        // flush: the masqueraded flow goes with its reservation, the published one stays
        var (_, _, flushed) = lab.Cli("conntrack", "flush", "--container", "web", "--proto", "udp");
        Assert.Contains("1 flow entries have been deleted", flushed);
        Assert.Equal("[]", lab.Ok("conntrack", "ls", "--container", "web", "--proto", "udp", "-o", "json").Trim());
        Assert.DoesNotContain($":{masqPort} ", lab.Ok("nat", "ls"));
        Assert.Contains("ESTABLISHED", lab.Ok("conntrack", "ls", "--port", "8080"));

        // info
        var info = lab.Ok("info");
        output.WriteLine(info);
        Assert.Contains(" Firewall Backend: ebpf", info);
        Assert.Matches(@"uplink0: tc-ingress dp_uplink_in \(id \d+\)", info);
        Assert.Matches(@"dp_ct: \d+/262144", info);
        Assert.Contains($" BPF Pin Dir: {lab.PinDir}", info);
        Assert.Contains(" metrics-addr: " + MetricsAddress, info);

        // bad input: a clear error, nothing changed
        var (badCode, _, badErr) = lab.Cli("conntrack", "ls", "--proto", "sctp");
        Assert.NotEqual(0, badCode);
        Assert.Contains("invalid protocol", badErr);
        var (missingCode, _, missingErr) = lab.Cli("conntrack", "flush", "--container", "nosuch");
        Assert.NotEqual(0, missingCode);
        Assert.Contains("nosuch", missingErr);
        Assert.Contains("ESTABLISHED", lab.Ok("conntrack", "ls", "--port", "8080"));
    }

    [PrivilegedFact]
    public void FloodOfDrops_WhileMonitorListens_ApiStillAnswersQuicklyAndEventsAreRateLimited()
    {
        using var lab = new DaemonLab();
        lab.Ok("run", "-d", "--name", "web", "--", "sleep", "120");
        var ctr = lab.Ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web").Trim();
        using var monitor = StartMonitor(lab);
        Wait.Until(() =>
        {
            Lab.RunIn(lab.Lab.External, "nc", $"-z -w 1 {ctr} 7");
            return monitor.Output.Contains("direct_routed");
        }, "monitor printing a refused SYN", timeoutMs: 30_000);

        // Every datagram is refused on the uplink (straight at a container's address): as fast as Python sends.
        var flood = lab.Lab.StartIn(lab.Lab.External, "/usr/bin/python3",
            $"-c \"import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nend=time.time()+6\nn=0\nwhile time.time()<end:\n  s.sendto(b'x'*64,('{ctr}',9)); n+=1\nprint(n)\"");
        Wait.Until(() => Value(Parse(Curl("--unix-socket", lab.Socket, "http://dataplane/metrics")), "dataplane_monitor_events_total", ("outcome", "rate_limited")) > 0,
            "events over the rate while flooding", timeoutMs: 20_000);
        var latencies = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            Curl("--unix-socket", lab.Socket, "http://dataplane/containers");
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        flood.WaitForExit(30_000);
        var sent = flood.StandardOutput.ReadToEnd().Trim();
        var samples = Parse(Curl("--unix-socket", lab.Socket, "http://dataplane/metrics"));
        var dropped = Value(samples, "dataplane_drop_packets_total", ("reason", "direct_routed"), ("direction", "ingress"));
        var emitted = Value(samples, "dataplane_monitor_events_total", ("outcome", "emitted"));
        var limited = Value(samples, "dataplane_monitor_events_total", ("outcome", "rate_limited"));
        output.WriteLine($"flood: {sent} datagrams sent, {dropped} dropped, {emitted} events emitted, {limited} rate-limited; API latencies {string.Join(", ", latencies.Select(l => $"{l:0} ms"))}");
        Assert.True(dropped > 5_000, $"only {dropped} drops: the flood did not happen");
        Assert.True(limited > 0 && emitted < dropped, "the rate limit left events out");
        Assert.True(latencies.Min() < 2_000, $"the API took {latencies.Min():0} ms at best during the flood");
        Assert.True(monitor.Alive, "monitor ended during the flood");
    }

    private sealed class Monitor : IDisposable
    {
        private readonly Process _p;
        private readonly StringBuilder _out = new();

        public Monitor(Process p)
        {
            _p = p;
            p.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (_out) _out.Append(l).Append('\n'); };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
        }

        public string Output { get { lock (_out) return _out.ToString(); } }

        public bool Alive => !_p.HasExited;

        public void Dispose()
        {
            if (!_p.HasExited) _p.Kill(entireProcessTree: true);
            _p.WaitForExit();
            _p.Dispose();
        }
    }

    private static Monitor StartMonitor(DaemonLab lab)
    {
        var info = new ProcessStartInfo(DaemonLab.CliPath, "monitor --type drop") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["DATAPLANE_HOST"] = $"unix://{lab.Socket}";
        return new Monitor(Process.Start(info)!);
    }

    private static string Curl(params string[] args)
    {
        var info = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-sf");
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit(30_000);
        Assert.True(p.ExitCode == 0, $"curl {string.Join(' ', args)}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>The exposition parsed by prometheus_client (Debian's python3-prometheus-client): every sample as [name, labels, value].</summary>
    private static List<(string Name, Dictionary<string, string> Labels, double Value)> Parse(string exposition)
    {
        const string script = "import sys, json\nfrom prometheus_client.parser import text_string_to_metric_families\n" +
            "print(json.dumps([[s.name, s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]))";
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var p = Process.Start(info)!;
        p.StandardInput.Write(exposition);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit(30_000);
        Assert.True(p.ExitCode == 0, $"prometheus_client refused the exposition: {stderr.Result}");
        return JsonDocument.Parse(stdout.Result).RootElement.EnumerateArray()
            .Select(s => (s[0].GetString()!, s[1].EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!), s[2].GetDouble()))
            .ToList();
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/>; fails when none.</summary>
    private static double Value(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string name, params (string Key, string Value)[] labels)
    {
        var matching = samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        Assert.True(matching.Count > 0, $"no sample {name}{{{string.Join(',', labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in the scrape");
        return matching.Sum(s => s.Value);
    }
}
