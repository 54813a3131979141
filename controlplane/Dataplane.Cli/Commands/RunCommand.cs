using System.CommandLine;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Validation;

namespace Dataplane.Cli.Commands;

/// <summary>
/// `dataplane run [OPTIONS] COMMAND [ARG...]`: foreground by default with the exit code passed through, or -d.
/// Options end at COMMAND (Parsing/OptionsFirst), as in Docker.
/// </summary>
public static class RunCommand
{
    private static readonly Option<bool> Detach = new("--detach", "-d") { Description = "Run in the background and print the container ID" };
    private static readonly Option<bool> AutoRemove = new("--rm") { Description = "Remove the container when it exits" };
    private static readonly Option<string?> Name = new("--name") { Description = "Container name" };
    private static readonly Option<string?> Network = new("--network", "--net") { Description = "bridge (default), NAME, host, none or container:NAME" };
    private static readonly Option<string[]> Publish = new("--publish", "-p") { Description = "Publish a port: [ip:][hostPort:]containerPort[/proto]" };
    private static readonly Option<bool> PublishAll = new("--publish-all", "-P") { Description = "Publish every exposed port on a free host port" };
    private static readonly Option<string[]> Expose = new("--expose") { Description = "Expose a port or range: PORT[-PORT][/PROTO]" };
    private static readonly Option<string?> Hostname = new("--hostname", "-h") { Description = "Container host name" };
    private static readonly Option<string[]> Dns = new("--dns") { Description = "DNS server" };
    private static readonly Option<string[]> AddHost = new("--add-host") { Description = "Custom host-to-IP mapping (host:ip)" };
    private static readonly Option<string[]> Link = new("--link") { Description = "Link to another container (name[:alias])" };
    private static readonly Option<string[]> Env = new("--env", "-e") { Description = "Environment variable KEY=VALUE (or KEY from this environment)" };
    private static readonly Option<string?> Ip = new("--ip") { Description = "IPv4 address on a user-defined network" };
    private static readonly Option<string?> User = new("--user", "-u") { Description = "Username or UID (format: <name|uid>[:<group|gid>])" };
    private static readonly Option<string[]> CapAdd = new("--cap-add") { Description = "Add Linux capabilities (NAME, CAP_NAME or ALL)" };
    private static readonly Option<string[]> CapDrop = new("--cap-drop") { Description = "Drop Linux capabilities (NAME, CAP_NAME or ALL)" };
    private static readonly Option<bool> Privileged = new("--privileged") { Description = "Give every capability the daemon holds, without no_new_privs" };
    private static readonly Option<string[]> NetworkAlias = new("--network-alias", "--alias") { Description = "Add a network-scoped alias for the container" };
    private static readonly Argument<string[]> CommandLine = new("COMMAND") { Arity = ArgumentArity.OneOrMore };

    public static Command Build(CliContext context)
    {
        var command = new Command("run", "Create a sandbox and run a command in it")
        {
            Detach, AutoRemove, Name, Network, Publish, PublishAll, Expose, Hostname, Dns, AddHost, Link, Env, Ip, User, CapAdd, CapDrop, Privileged, NetworkAlias, CommandLine,
        };
        command.SetAction((parse, ct) => ExecuteAsync(context, parse, ct));
        return command;
    }

    /// <summary>The request as typed; -e KEY is resolved from the caller's environment, as docker/cli does.</summary>
    public static RunRequest ToRequest(ParseResult parse, Func<string, string?> environment) => new(
        Command: parse.GetValue(CommandLine) ?? [],
        Name: parse.GetValue(Name),
        Network: parse.GetValue(Network),
        Publish: (parse.GetValue(Publish) ?? []).Select(PublishSpec.ZeroHostPortAsAny).ToList(),
        PublishAll: parse.GetValue(PublishAll),
        Expose: parse.GetValue(Expose) ?? [],
        Hostname: parse.GetValue(Hostname),
        Dns: parse.GetValue(Dns) ?? [],
        AddHosts: parse.GetValue(AddHost) ?? [],
        Links: parse.GetValue(Link) ?? [],
        Env: (parse.GetValue(Env) ?? []).Select(e => EnvironmentVariables.Parse(e, environment)).OfType<string>().ToList(),
        Ip: parse.GetValue(Ip),
        Detach: parse.GetValue(Detach),
        AutoRemove: parse.GetValue(AutoRemove),
        User: parse.GetValue(User),
        CapAdd: parse.GetValue(CapAdd) ?? [],
        CapDrop: parse.GetValue(CapDrop) ?? [],
        Privileged: parse.GetValue(Privileged),
        NetworkAliases: parse.GetValue(NetworkAlias) ?? []);

    private static async Task<int> ExecuteAsync(CliContext context, ParseResult parse, CancellationToken ct)
    {
        var request = ToRequest(parse, context.Environment);
        RunSyntax.Parse(request); // every stateless error before the daemon is contacted
        using var client = context.Connect(parse.GetValue(CliApp.Host));
        var response = await client.RunAsync(request, ct);
        foreach (var warning in response.Warnings)
            context.Error.WriteLine(warning);
        if (request.Detach)
        {
            context.Out.WriteLine(response.Id);
            return 0;
        }
        await using (var stdout = context.OpenStdout())
        await using (var stderr = context.OpenStderr())
            await client.CopyLogsAsync(response.Id, new LogOptions(Follow: true), stdout, stderr, ct);
        return (await client.WaitAsync(response.Id, ct)).ExitCode;
    }
}
