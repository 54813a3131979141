using System.CommandLine;
using System.Globalization;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane monitor [--type drop|trace|all]`: the data path's events as they happen (cilium monitor's
/// idea): every dropped packet with its reason, the program and interface that dropped it and its
/// 5-tuple; with trace, the packets a flow translated. The data path rate-limits events per CPU, so
/// a flood shows a sample (the metrics count what was left out). Ctrl-C stops.
/// </summary>
public static class MonitorCommand
{
    public static Command Build(CliContext context)
    {
        var type = new Option<string>("--type", "-t") { Description = "Events to show: drop (default), trace or all", DefaultValueFactory = _ => "drop" };
        var command = new Command("monitor", "Stream data-path events (drops, traces) as they happen") { type };
        command.SetAction(async (parse, ct) =>
        {
            var t = parse.GetValue(type)!;
            if (t is not ("drop" or "trace" or "all")) throw DataplaneException.Invalid($"invalid event type \"{t}\": drop, trace or all");
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            context.Error.WriteLine("Listening for events... Press Ctrl-C to quit");
            try
            {
                await foreach (var e in client.MonitorAsync(t, ct))
                {
                    context.Out.WriteLine(Line(e, context.Now()));
                    context.Out.Flush();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            return 0;
        });
        return command;
    }

    /// <summary>"12:00:01.123 drop (direct_routed) dp_uplink_in up0(2) tcp 198.18.0.2:40000 -> 198.19.0.2:80 len=74".</summary>
    public static string Line(MonitorEvent e, DateTimeOffset received) => string.Create(CultureInfo.InvariantCulture,
        $"{received.ToLocalTime():HH:mm:ss.fff} {e.Type} ({e.Reason}) {e.Program} {e.Interface}({e.Ifindex}) {e.Proto} {e.Source}:{e.SourcePort} -> {e.Destination}:{e.DestinationPort} len={e.Length}");
}
