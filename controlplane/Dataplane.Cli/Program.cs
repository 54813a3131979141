using Dataplane.ControlPlane.Api;

namespace Dataplane.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (DaemonLauncher.Handles(args))
            return DaemonLauncher.Exec(args, Console.Error);
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        var context = new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable, path => new ApiClient(path),
            openStderr: Console.OpenStandardError, openStdin: Console.OpenStandardInput, terminal: true);
        return await CliApp.RunAsync(args, context, cts.Token);
    }
}
