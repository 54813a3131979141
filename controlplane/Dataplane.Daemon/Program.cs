using System.CommandLine;

namespace Dataplane.Daemon;

/// <summary>`dataplane-daemon daemon|demo [OPTIONS]`, which `dataplane daemon|demo` executes.</summary>
public static class Program
{
    public static readonly Option<string?> Host = new("--host", "-H")
    {
        Description = "Daemon socket to listen on (unix:///PATH; default $DATAPLANE_HOST or unix:///run/dataplane/dataplane.sock)",
        Recursive = true,
    };

    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return await RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, cts.Token);
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, CancellationToken ct)
    {
        var root = new RootCommand("The Dataplane daemon and demo (run through `dataplane daemon` and `dataplane demo`)") { Host };
        root.Add(DaemonCommand.Build(environment));
        root.Add(DemoCommand.Build(stdout));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"dataplane: {parse.Errors[0].Message}");
            return 125;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stderr.WriteLine(e is ControlPlane.DataplaneException ? $"dataplane: {e.Message}" : $"dataplane: {e.GetType().Name}: {e.Message}");
            return e is ControlPlane.DataplaneException ? 125 : 1;
        }
    }
}
