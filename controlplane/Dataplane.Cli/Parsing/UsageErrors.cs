using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dataplane.Cli.Parsing;

/// <summary>What the parse asks for instead of running a command.</summary>
public abstract record ParseOutcome
{
    /// <summary>A usage error: the text docker/cli prints on stderr and its exit code.</summary>
    public sealed record Failed(string Text, int ExitCode) : ParseOutcome;

    /// <summary>A command group named without a subcommand: its help, exit 0 (`docker network`).</summary>
    public sealed record ShowHelp(string[] HelpArgs) : ParseOutcome;
}

/// <summary>
/// System.CommandLine's parse errors worded as docker/cli words them (cli/cobra.go FlagErrorFunc,
/// cli/required.go, cmd/docker/docker.go, v28.2.2): unknown flags and bad values exit 125, a wrong
/// number of arguments and an unknown command exit 1.
/// </summary>
public static class UsageErrors
{
    public static ParseOutcome? Check(ParseResult parse, string[] args, string? unknownFlag)
    {
        if (parse.Errors.Count == 0 && unknownFlag is null)
            return null;
        var result = parse.CommandResult;
        var command = result.Command;
        string path = Usage.PathOf(result);
        var unmatched = parse.UnmatchedTokens;
        string? flag = unmatched.FirstOrDefault(t => t.Length > 1 && t[0] == '-');
        string? word = unmatched.FirstOrDefault(t => t.Length <= 1 || t[0] != '-');

        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            // cmd/docker/docker.go at the top, cli/required.go NoArgs in a group.
            if (word is not null && result.Parent is null)
                return new ParseOutcome.Failed($"dataplane: unknown command: {path} {word}\n\nRun '{path} --help' for more information", ExitCodes.Error);
            if (word is not null)
                return new ParseOutcome.Failed($"dataplane: unknown command: {path} {word}\n\nUsage:  {Usage.LineOf(path)}\n\nRun '{path} --help' for more information", ExitCodes.Error);
            if (flag is null && unknownFlag is null)
                return new ParseOutcome.ShowHelp([.. args.Where(a => !a.StartsWith('-')), "--help"]);
        }
        if (unknownFlag is not null)
            return FlagError(unknownFlag, path);

        foreach (var error in parse.Errors)
        {
            if (error.SymbolResult is OptionResult { Tokens.Count: 0, IdentifierToken: { } id })
                return FlagError(id.Value.StartsWith("--", StringComparison.Ordinal)
                    ? $"flag needs an argument: {id.Value}"
                    : $"flag needs an argument: '{id.Value[1]}' in {id.Value}", path);
        }

        int given = result.Children.OfType<ArgumentResult>().Sum(a => a.Tokens.Count) + (word is null ? 0 : 1);
        int min = command.Arguments.Sum(a => a.Arity.MinimumNumberOfValues);
        int max = command.Arguments.Sum(a => Math.Min(a.Arity.MaximumNumberOfValues, 1000));
        if (given < min || given > max)
            return ArgumentCountError(path, given < min, min, max);

        return FlagError(parse.Errors[0].Message, path);
    }

    private static ParseOutcome FlagError(string message, string path) =>
        new ParseOutcome.Failed($"{message}\n\nUsage:  {Usage.LineOf(path)}\n\nRun '{path} --help' for more information", ExitCodes.Usage);

    private static ParseOutcome ArgumentCountError(string path, bool tooFew, int min, int max)
    {
        static string Arguments(int n) => n == 1 ? "argument" : "arguments";
        string usage = Usage.LineOf(path);
        string text = (tooFew, min == max) switch
        {
            (false, _) when max == 0 => $"dataplane: '{path}' accepts no arguments\n\nUsage:  {usage}\n\nRun '{path} --help' for more information",
            (_, true) => $"dataplane: '{path}' requires {min} {Arguments(min)}\n\nUsage:  {usage}\n\nRun '{path} --help' for more information",
            (true, false) when max >= 1000 => $"dataplane: '{path}' requires at least {min} {Arguments(min)}\n\nUsage:  {usage}\n\nSee '{path} --help' for more information",
            (false, false) when min == 0 => $"dataplane: '{path}' requires at most {max} {Arguments(max)}\n\nUsage:  {usage}\n\nRun '{path} --help' for more information",
            _ => $"dataplane: '{path}' requires at least {min} and at most {max} {Arguments(max)}\n\nUsage:  {usage}\n\nRun '{path} --help' for more information",
        };
        return new ParseOutcome.Failed(text, ExitCodes.Error);
    }
}
