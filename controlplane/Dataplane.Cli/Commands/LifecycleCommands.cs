using System.CommandLine;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `stop`, `start`, `restart`, `kill` and `wait`, each over several containers as docker/cli does:
/// one line per container done (its name as typed, or its exit code for wait), one error line per
/// failure, exit code 1 when any failed.
/// </summary>
public static class LifecycleCommands
{
    public static IEnumerable<Command> Build(CliContext context) =>
        [Stop(context), Start(context), Restart(context), Kill(context), Wait(context)];

    private static Option<int?> Timeout() => new("--timeout", "-t", "--time") { Description = "Seconds to wait before killing the container (default 10, -1 for ever)" };

    private static Argument<string[]> Containers() => new("CONTAINER") { Arity = ArgumentArity.OneOrMore };

    private static Command Stop(CliContext context)
    {
        var timeout = Timeout();
        var names = Containers();
        var command = new Command("stop", "Stop one or more running containers") { timeout, names };
        command.SetAction((parse, ct) => ForEach(context, parse, names, "stop",
            (client, name) => client.StopAsync(name, parse.GetValue(timeout), ct)));
        return command;
    }

    private static Command Start(CliContext context)
    {
        var names = Containers();
        var command = new Command("start", "Start one or more stopped containers") { names };
        command.SetAction(async (parse, ct) =>
        {
            var failed = new List<string>();
            int rc = await ForEach(context, parse, names, "start", (client, name) => client.StartAsync(name, ct), failed);
            if (failed.Count > 0)
                context.Error.WriteLine($"Error: failed to start containers: {string.Join(", ", failed)}");
            return rc;
        });
        return command;
    }

    private static Command Restart(CliContext context)
    {
        var timeout = Timeout();
        var names = Containers();
        var command = new Command("restart", "Restart one or more containers") { timeout, names };
        command.SetAction((parse, ct) => ForEach(context, parse, names, "restart",
            (client, name) => client.RestartAsync(name, parse.GetValue(timeout), ct)));
        return command;
    }

    private static Command Kill(CliContext context)
    {
        var signal = new Option<string?>("--signal", "-s") { Description = "Signal to send to the container (default KILL)" };
        var names = Containers();
        var command = new Command("kill", "Kill one or more running containers") { signal, names };
        command.SetAction((parse, ct) => ForEach(context, parse, names, "kill",
            (client, name) => client.KillAsync(name, parse.GetValue(signal), ct)));
        return command;
    }

    private static Command Wait(CliContext context)
    {
        var names = Containers();
        var command = new Command("wait", "Block until one or more containers stop, then print their exit codes") { names };
        command.SetAction(async (parse, ct) =>
        {
            using var client = context.Connect(parse.GetValue(CliApp.Host));
            int rc = 0;
            foreach (var name in parse.GetValue(names)!)
            {
                try
                {
                    context.Out.WriteLine((await client.WaitAsync(name, ct)).ExitCode);
                }
                catch (ApiException e)
                {
                    rc = ErrorReport.Report(context, e, "wait");
                }
            }
            return rc;
        });
        return command;
    }

    private static async Task<int> ForEach(CliContext context, ParseResult parse, Argument<string[]> names, string verb,
        Func<ApiClient, string, Task> act, List<string>? failed = null)
    {
        using var client = context.Connect(parse.GetValue(CliApp.Host));
        int rc = 0;
        foreach (var name in parse.GetValue(names)!)
        {
            try
            {
                await act(client, name);
                context.Out.WriteLine(name);
            }
            catch (ApiException e)
            {
                rc = ErrorReport.Report(context, e, verb);
                failed?.Add(name);
            }
        }
        return rc;
    }
}
