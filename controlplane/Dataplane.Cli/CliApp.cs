using System.CommandLine;
using System.CommandLine.Help;
using Dataplane.Cli.Commands;
using Dataplane.Cli.Parsing;

namespace Dataplane.Cli;

/// <summary>
/// The `dataplane` command tree. Usage errors are worded and exit as docker/cli's (Parsing/UsageErrors),
/// failures of a command as in ErrorReport.
/// </summary>
public static class CliApp
{
    public static readonly Option<string?> Host = new("--host", "-H")
    {
        Description = "Daemon socket to connect to (unix:///PATH; default $DATAPLANE_HOST or unix:///run/dataplane/dataplane.sock)",
        Recursive = true,
    };

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Docker-style container networking with an eBPF data path");
        // -h is --hostname for `run`, as in Docker; help stays on --help.
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Aliases.Remove("-h");
            help.Aliases.Remove("/h");
        }
        root.Add(Host);
        root.Add(DaemonProgramCommand("daemon", "Run the Dataplane daemon"));
        root.Add(DaemonProgramCommand("demo", "Publish a port in a throwaway namespace lab and move real traffic through the eBPF data path"));
        root.Add(NetworkCommands.Build(context));
        root.Add(RunCommand.Build(context));
        foreach (var command in ContainerCommands.Build(context))
            root.Add(command);
        root.Add(VersionCommand.Build(context));
        foreach (var command in ConntrackCommands.Build(context))
            root.Add(command);
        root.Add(MonitorCommand.Build(context));
        root.Add(InfoCommand.Build(context));
        return root;
    }

    /// <summary>Listed in the help; Program.Main hands these to dataplane-daemon before any parsing (DaemonLauncher).</summary>
    private static Command DaemonProgramCommand(string name, string description)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Error.WriteLine($"dataplane: `{name}` runs in {DaemonLauncher.ProgramName}, which only the dataplane program executes");
            return ExitCodes.Error;
        });
        return command;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken ct = default)
    {
        var root = Build(context);
        // @file tokens are arguments like any other (a container's command may well start with '@').
        var configuration = new ParserConfiguration { ResponseFileTokenReplacer = null };
        var split = OptionsFirst.Split(root, args);
        var parse = root.Parse(split.Args, configuration);
        switch (UsageErrors.Check(parse, args, split.UnknownFlag))
        {
            case ParseOutcome.Failed failed:
                context.Error.WriteLine(failed.Text);
                return failed.ExitCode;
            case ParseOutcome.ShowHelp help:
                parse = root.Parse(help.HelpArgs, configuration);
                break;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
            }, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ErrorReport.Report(context, e, parse.CommandResult.Command.Name);
        }
    }
}
