using System.CommandLine;
using System.Net;
using System.Text.Json;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Cli.Commands;

/// <summary>`exec`, `port`, `ps`, `logs`, `inspect`, `rm`.</summary>
public static class ContainerCommands
{
    public static IEnumerable<Command> Build(CliContext context) =>
        [Exec(context), Port(context), Ps(context), Logs(context), Inspect(context), Remove(context)];

    private static Command Exec(CliContext context)
    {
        var name = new Argument<string>("CONTAINER");
        var cmd = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.OneOrMore };
        var command = new Command("exec", "Run a command in a running container") { name, cmd };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var r = await client.ExecAsync(parse.GetValue(name)!, new ExecRequest(parse.GetValue(cmd)!), ct);
            context.Out.Write(r.Stdout);
            context.Error.Write(r.Stderr);
            return r.ExitCode;
        });
        return command;
    }

    private static Command Port(CliContext context)
    {
        var name = new Argument<string>("CONTAINER");
        var port = new Argument<string?>("PRIVATE_PORT") { Arity = ArgumentArity.ZeroOrOne, Description = "PORT[/PROTO]" };
        var command = new Command("port", "List port mappings of a container, or look one up") { name, port };
        command.SetAction(async (parse, ct) =>
        {
            string container = parse.GetValue(name)!;
            ContainerPort? wanted = parse.GetValue(port) is { } p ? ContainerPort.Parse(p) : null;
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var published = (await client.PortsAsync(container, ct)).Select(ToPublished).ToList();
            var lines = wanted is { } w ? PortFormatting.PortLines(published, w, container) : PortFormatting.PortLines(published);
            foreach (var line in lines)
                context.Out.WriteLine(line);
            return 0;
        });
        return command;
    }

    public static PublishedPort ToPublished(PortMappingRecord r) =>
        new(IPAddress.Parse(r.HostIp), r.HostPort, new ContainerPort(r.ContainerPort, ProtoNames.Parse(r.Proto)));

    private static Command Ps(CliContext context)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var command = new Command("ps", "List containers") { all };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var containers = await client.ListContainersAsync(ct);
            context.Out.Write(FormatPs(containers.Where(c => parse.GetValue(all) || c.State == ContainerState.Running)));
            return 0;
        });
        command.Aliases.Add("ls");
        return command;
    }

    /// <summary>docker ps's columns, plus NETWORK and IP ADDRESS; newest first.</summary>
    public static string FormatPs(IEnumerable<ContainerRecord> containers) => TableWriter.Format(
        ["CONTAINER ID", "COMMAND", "STATUS", "NETWORK", "IP ADDRESS", "PORTS", "NAMES"],
        containers.OrderByDescending(c => c.Created).Select(c => (IReadOnlyList<string>)
        [
            c.ShortId,
            QuoteCommand(c.Command),
            c.State switch
            {
                ContainerState.Running => "Up",
                ContainerState.Exited => $"Exited ({c.ExitCode ?? 0})",
                _ => "Created",
            },
            c.NetworkMode,
            c.IpAddress ?? "",
            PsPorts(c),
            c.Name,
        ]));

    /// <summary>Docker truncates the command to 20 characters with an ellipsis, in quotes.</summary>
    public static string QuoteCommand(IReadOnlyList<string> command)
    {
        var text = string.Join(' ', command);
        if (text.Length > 20)
            text = text[..19] + "…";
        return $"\"{text}\"";
    }

    private static string PsPorts(ContainerRecord c)
    {
        var published = c.Ports.Select(ToPublished).ToList();
        var exposedOnly = c.ExposedPorts.Select(ContainerPort.Parse)
            .Where(e => published.All(p => p.Container != e)).ToList();
        return PortFormatting.PsColumn(published, exposedOnly);
    }

    private static Command Logs(CliContext context)
    {
        var name = new Argument<string>("CONTAINER");
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var command = new Command("logs", "Fetch the output of a container") { name, follow };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            await using var stdout = context.OpenStdout();
            await client.CopyLogsAsync(parse.GetValue(name)!, parse.GetValue(follow), stdout, ct);
            return 0;
        });
        return command;
    }

    private static Command Inspect(CliContext context)
    {
        var name = new Argument<string>("CONTAINER");
        var command = new Command("inspect", "Display detailed information on a container (JSON)") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            var record = await client.InspectContainerAsync(parse.GetValue(name)!, ct);
            context.Out.WriteLine(JsonSerializer.Serialize<IReadOnlyList<ContainerRecord>>([record], ApiJsonContext.Default.IReadOnlyListContainerRecord));
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var names = new Argument<string[]>("CONTAINER") { Arity = ArgumentArity.OneOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of a running container" };
        var command = new Command("rm", "Remove one or more containers") { names, force };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            int rc = 0;
            foreach (var n in parse.GetValue(names)!)
            {
                try
                {
                    await client.RemoveContainerAsync(n, parse.GetValue(force), ct);
                    context.Out.WriteLine(n);
                }
                catch (ApiException e)
                {
                    rc = ErrorReport.Report(context, e, "rm");
                }
            }
            return rc;
        });
        return command;
    }
}
