using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dataplane.Cli.Formatting;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane conntrack ls|flush [--port N] [--container NAME] [--proto tcp|udp|icmp]` and `dataplane nat ls`:
/// the data path's flows as `conntrack -L` prints them (original then reply tuple, each with its
/// counters), and the masqueraded flows.
/// </summary>
public static class ConntrackCommands
{
    public static IEnumerable<Command> Build(CliContext context)
    {
        var conntrack = new Command("conntrack", "List or flush the data path's connection tracking table");
        conntrack.Add(List(context));
        conntrack.Add(Flush(context));
        var nat = new Command("nat", "Show the masqueraded (source NAT) flows");
        nat.Add(NatList(context));
        return [conntrack, nat];
    }

    private sealed record Filters(Option<int?> Port, Option<string?> Container, Option<string?> Proto)
    {
        public static Filters Create() => new(
            new Option<int?>("--port", "-p") { Description = "Only flows with this port on either side (host or container port)" },
            new Option<string?>("--container") { Description = "Only flows of this container" },
            new Option<string?>("--proto") { Description = "Only flows of this protocol (tcp, udp or icmp)" });

        public void AddTo(Command c)
        {
            c.Add(Port);
            c.Add(Container);
            c.Add(Proto);
        }

        public string? ProtoOf(ParseResult parse) => parse.GetValue(Proto) is { } p
            ? (p is "tcp" or "udp" or "icmp" ? p : throw DataplaneException.Invalid($"invalid protocol \"{p}\": tcp, udp or icmp"))
            : null;
    }

    private static Command List(CliContext context)
    {
        var filters = Filters.Create();
        var output = new Option<string?>("--output", "-o") { Description = "Output format: json" };
        var command = new Command("ls", "List flows (like conntrack -L)") { output };
        command.Aliases.Add("list");
        filters.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var format = parse.GetValue(output);
            if (format is not (null or "json")) throw DataplaneException.Invalid($"invalid output format \"{format}\": json");
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var flows = await client.ConntrackAsync(parse.GetValue(filters.Port), parse.GetValue(filters.Container), filters.ProtoOf(parse), ct);
            if (format == "json")
            {
                context.Out.WriteLine(JsonSerializer.Serialize(flows, ApiJsonContext.Default.IReadOnlyListConntrackFlowRecord));
                return 0;
            }
            foreach (var f in flows) context.Out.WriteLine(Line(f));
            context.Error.WriteLine($"dataplane: {flows.Count} flow entries have been shown.");
            return 0;
        });
        return command;
    }

    private static Command Flush(CliContext context)
    {
        var filters = Filters.Create();
        var command = new Command("flush", "Remove flows (both directions and their masquerade port); new packets start new flows");
        filters.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var r = await client.FlushConntrackAsync(parse.GetValue(filters.Port), parse.GetValue(filters.Container), filters.ProtoOf(parse), ct);
            context.Error.WriteLine($"dataplane: {r.Flows} flow entries have been deleted.");
            return 0;
        });
        return command;
    }

    private static Command NatList(CliContext context)
    {
        var command = new Command("ls", "List masqueraded flows: the host address and port each container flow leaves with");
        command.Aliases.Add("list");
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var reservations = await client.NatAsync(ct);
            context.Out.Write(TableWriter.Format(["PROTO", "MASQUERADE", "SOURCE", "DESTINATION", "CONTAINER"],
                reservations.Select(r => (IReadOnlyList<string>)[r.Proto, $"{r.Address}:{r.Port}", $"{r.Source}:{r.SourcePort}", $"{r.Destination}:{r.DestinationPort}", r.Container ?? "-"])));
            return 0;
        });
        return command;
    }

    /// <summary>conntrack -L's line: "tcp      6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=.. packets=.. bytes=.. src=.. (reply) [ASSURED]",
    /// then what we add: the translation, the mapping and the container.</summary>
    public static string Line(ConntrackFlowRecord f)
    {
        var b = new StringBuilder();
        int number = f.Proto switch { "tcp" => 6, "udp" => 17, "icmp" => 1, _ => 0 };
        b.Append(CultureInfo.InvariantCulture, $"{f.Proto,-8}{number} {f.TimeoutSeconds} ");
        if (f.Proto == "tcp") b.Append(f.State).Append(' ');
        b.Append(CultureInfo.InvariantCulture, $"src={f.Source} dst={f.Destination} sport={f.SourcePort} dport={f.DestinationPort} packets={f.Packets} bytes={f.Bytes} ");
        if (!f.SeenReply) b.Append("[UNREPLIED] ");
        b.Append(CultureInfo.InvariantCulture, $"src={f.ReplySource} dst={f.ReplyDestination} sport={f.ReplySourcePort} dport={f.ReplyDestinationPort} packets={f.ReplyPackets} bytes={f.ReplyBytes} ");
        if (f.SeenReply) b.Append("[ASSURED] ");
        b.Append("nat=").Append(f.Translation);
        if (f.MappingId != 0) b.Append(CultureInfo.InvariantCulture, $" mapping={f.MappingId}");
        if (f.Container is not null) b.Append(" container=").Append(f.Container);
        return b.ToString();
    }
}
