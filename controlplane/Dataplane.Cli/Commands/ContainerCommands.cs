using System.CommandLine;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Cli.Commands;

/// <summary>`port`, `rm`, and the commands of their own files (`exec`, `ps`, `logs`, `inspect`).</summary>
public static class ContainerCommands
{
    public static IEnumerable<Command> Build(CliContext context) =>
        [ExecCommand.Build(context), Port(context), PsCommand.Build(context), LogsCommand.Build(context), InspectCommand.Build(context), Remove(context), .. LifecycleCommands.Build(context)];


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
            var published = PublishedPort.FromRecords(await client.PortsAsync(container, ct)).ToList();
            var lines = wanted is { } w ? PortFormatting.PortLines(published, w, container) : PortFormatting.PortLines(published);
            foreach (var line in lines)
                context.Out.WriteLine(line);
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
