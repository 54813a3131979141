using System.CommandLine;
using System.Runtime.InteropServices;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.Interop.Terminals;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane exec [OPTIONS] CONTAINER COMMAND [ARG...]` as docker/cli's: create, then start on a
/// hijacked connection whose output is streamed as it comes (stdout and stderr apart, or raw from a
/// pseudo-terminal with -t), stdin forwarded with -i (in stdin frames, an empty one at its end), the local
/// terminal raw while attached to a remote one and its size followed; exit code the process's.
/// </summary>
public static class ExecCommand
{
    private const int StdinFd = 0, StdoutFd = 1;

    private static readonly Argument<string> Container = new("CONTAINER");
    private static readonly Argument<string[]> CommandLine = new("COMMAND") { Arity = ArgumentArity.OneOrMore };
    private static readonly Option<bool> Interactive = new("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
    private static readonly Option<bool> Tty = new("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
    private static readonly Option<bool> Detach = new("--detach", "-d") { Description = "Detached mode: run command in the background" };
    private static readonly Option<string[]> Env = new("--env", "-e") { Description = "Set environment variables" };
    private static readonly Option<string?> Workdir = new("--workdir", "-w") { Description = "Working directory inside the container" };
    private static readonly Option<string?> User = new("--user", "-u") { Description = "Username or UID (format: \"<name|uid>[:<group|gid>]\")" };

    public static Command Build(CliContext context)
    {
        var command = new Command("exec", "Execute a command in a running container")
        {
            Interactive, Tty, Detach, Env, Workdir, User, Container, CommandLine,
        };
        command.SetAction((parse, ct) => ExecuteAsync(context, parse, ct));
        return command;
    }

    private static async Task<int> ExecuteAsync(CliContext context, ParseResult parse, CancellationToken ct)
    {
        bool tty = parse.GetValue(Tty), interactive = parse.GetValue(Interactive), detach = parse.GetValue(Detach);
        bool localTerminal = context.Terminal && LocalTerminal.IsTerminal(StdinFd);
        if (tty && interactive && !detach && !localTerminal)
        {
            context.Error.WriteLine("the input device is not a TTY");
            return ExitCodes.Error;
        }
        var size = tty && context.Terminal ? LocalTerminal.Size(StdoutFd) ?? LocalTerminal.Size(StdinFd) : null;
        var request = new ExecRequest(
            parse.GetValue(CommandLine) ?? [],
            Env: (parse.GetValue(Env) ?? []).Select(e => EnvironmentVariables.Parse(e, context.Environment)).OfType<string>().ToList(),
            WorkingDir: parse.GetValue(Workdir),
            User: parse.GetValue(User),
            AttachStdin: interactive && !detach,
            Tty: tty,
            ConsoleSize: size is { } s ? [s.Rows, s.Columns] : null);
        using var client = context.Connect(parse.GetValue(CliApp.Host));
        var id = (await client.CreateExecAsync(parse.GetValue(Container)!, request, ct)).Id;
        if (detach)
        {
            await client.StartExecDetachedAsync(id, ct);
            return 0;
        }
        await using (var connection = await client.StartExecAttachedAsync(id, ct))
        {
            using var raw = tty && localTerminal ? LocalTerminal.MakeRaw(StdinFd) : null;
            using var resize = tty && context.Terminal && !OperatingSystem.IsWindows() ? FollowWindowSize(client, id) : null;
            if (request.AttachStdin) _ = ForwardStdinAsync(context, connection);
            await using var stdout = context.OpenStdout();
            if (tty)
            {
                await connection.CopyToAsync(stdout, ct);
            }
            else
            {
                await using var stderr = context.OpenStderr();
                await StreamFrames.DemultiplexAsync(connection, stdout, stderr, ct);
            }
        }
        if ((await client.InspectExecAsync(id, ct)).ExitCode is int code) return code;
        context.Error.WriteLine("Error: the connection to the daemon ended before the command did");
        return ExitCodes.Error;
    }

    /// <summary>Copies stdin to the process until it ends, then says so: the process reads EOF, its output keeps coming.</summary>
    private static async Task ForwardStdinAsync(CliContext context, HijackedConnection connection)
    {
        try
        {
            await using var stdin = context.OpenStdin();
            await StreamFrames.WriteStdinAsync(stdin, connection, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // the process ended and the connection with it
        }
    }

    /// <summary>SIGWINCH: the remote terminal takes the local one's new size.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static PosixSignalRegistration FollowWindowSize(ApiClient client, string id) =>
        PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal =>
        {
            if (LocalTerminal.Size(StdoutFd) is { } s)
                _ = client.ResizeExecAsync(id, s.Rows, s.Columns).ContinueWith(t => t.Exception, TaskScheduler.Default); // best effort, as docker's
        });
}
