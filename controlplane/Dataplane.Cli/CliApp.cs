using System.CommandLine;
using System.CommandLine.Help;
using Dataplane.Cli.Commands;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli;

/// <summary>
/// The `dataplane` command tree. Errors are one line on stderr and a non-zero exit: usage and local
/// validation errors (125, the daemon is not contacted), daemon errors as "Error response from daemon: ...".
/// </summary>
public static class CliApp
{
    public const int UsageError = 125;

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
        root.Add(DaemonCommand.Build(context));
        root.Add(DemoCommand.Build(context));
        root.Add(NetworkCommands.Build(context));
        root.Add(RunCommand.Build(context));
        foreach (var command in ContainerCommands.Build(context))
            root.Add(command);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken ct = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // "Required command was not provided" hides the more useful "Unrecognized command" when both are present.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            context.Error.WriteLine($"dataplane: {error.Message}");
            return UsageError;
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
        catch (Exception e)
        {
            return ReportError(context, e);
        }
    }

    /// <summary>One line per failure, worded like the docker CLI.</summary>
    public static int ReportError(CliContext context, Exception e)
    {
        switch (e)
        {
            case ApiException api:
                context.Error.WriteLine($"Error response from daemon: {api.Message}");
                return 1;
            case DaemonUnreachableException down:
                context.Error.WriteLine(down.Message);
                return 1;
            case DataplaneException local when local.Message.StartsWith("Error", StringComparison.Ordinal):
                context.Error.WriteLine(local.Message);
                return 1;
            case DataplaneException local:
                context.Error.WriteLine($"dataplane: {local.Message}");
                return UsageError;
            case NotImplementedException missing:
                context.Error.WriteLine($"dataplane: {missing.Message}");
                return 1;
            default:
                context.Error.WriteLine($"dataplane: {e.GetType().Name}: {e.Message}");
                return 1;
        }
    }
}
