using System.CommandLine;

namespace Dataplane.Cli.Parsing;

/// <summary>The arguments to hand to System.CommandLine, and pflag's error for the first option the command does not declare.</summary>
public sealed record SplitArgs(string[] Args, string? UnknownFlag);

/// <summary>
/// Docker's grammar (pflag) on top of System.CommandLine, as a pre-split of the arguments:
/// - `run` and `exec` (SetInterspersed(false)): options end at the first positional argument, and
///   everything from there on belongs to the command, untouched, so `run echo a -p 5201 b` runs
///   `echo a -p 5201 b`; a `--` is inserted where the options end, which System.CommandLine reads as
///   "the rest are arguments";
/// - bundled short flags with a value (`-dp 80`, `-dp80`) become `-d -p 80`;
/// - an option the command does not declare is an error, where System.CommandLine would take it as a
///   value of the command's arguments.
/// </summary>
public static class OptionsFirst
{
    /// <summary>Commands with this grammar, and how many positionals come before the command line (exec's CONTAINER).</summary>
    private static readonly Dictionary<string, int> Commands = new() { ["run"] = 0, ["exec"] = 1 };

    public static SplitArgs Split(RootCommand root, string[] args)
    {
        var walk = new Walk(args);
        var recursive = root.Options.Where(o => o.Recursive).ToList();
        Command command = root;
        var options = root.Options.ToList();
        walk.Options(options);
        // Descend through command names (`network create`); options may sit between them.
        while (walk.Current is { } name && name != "--" && command.Subcommands.FirstOrDefault(c => c.Name == name || c.Aliases.Contains(name)) is { } sub)
        {
            command = sub;
            options = [.. sub.Options, .. recursive];
            walk.Take();
            walk.Options(options);
            if (Commands.TryGetValue(sub.Name, out int leading))
                return walk.EndOfOptions(leading);
        }
        // Other commands take options anywhere before `--` (interspersed, cobra's default).
        while (walk.Current is { } token && token != "--")
        {
            walk.Take();
            walk.Options(options);
        }
        return walk.Rest();
    }

    private sealed class Walk(string[] args)
    {
        private readonly List<string> _out = [];
        private int _at;
        private string? _unknown;

        public string? Current => _at < args.Length ? args[_at] : null;

        public void Take() => _out.Add(args[_at++]);

        /// <summary>Copies options and their values up to the first positional token.</summary>
        public void Options(IReadOnlyList<Option> options)
        {
            while (Current is { Length: >= 2 } token && token[0] == '-' && token != "--")
            {
                if (token.StartsWith("--", StringComparison.Ordinal))
                    LongOption(options, token);
                else
                    ShortOptions(options, token);
            }
        }

        /// <summary>`--name value` is two tokens; `--name=value`, `--flag` and unknown options are one.</summary>
        private void LongOption(IReadOnlyList<Option> options, string token)
        {
            string name = token.Split('=')[0];
            var option = Find(options, name);
            if (option is null)
                _unknown ??= $"unknown flag: {name}";
            Take();
            if (option is not null && !token.Contains('=') && TakesValue(option) && Current is not null)
                Take();
        }

        /// <summary>`-dP` is `-d -P`; a short option taking a value ends the bundle, with the value attached (`-p80`) or next.</summary>
        private void ShortOptions(IReadOnlyList<Option> options, string token)
        {
            _at++;
            for (int k = 1; k < token.Length; k++)
            {
                var option = Find(options, "-" + token[k]);
                if (option is null)
                {
                    _unknown ??= $"unknown shorthand flag: '{token[k]}' in {token}";
                    _out.Add(token);
                    return;
                }
                _out.Add("-" + token[k]);
                if (!TakesValue(option))
                    continue;
                if (k < token.Length - 1)
                    _out.Add(token[(k + 1)..].TrimStart('='));
                else if (Current is not null)
                    Take();
                return;
            }
        }

        /// <summary>`run`/`exec`: the options are read; the positionals go after a `--`.</summary>
        public SplitArgs EndOfOptions(int leading)
        {
            if (Current is null || Current == "--")
                return Rest();
            var positionals = args[_at..].ToList();
            // `exec web -- ls` is accepted too: a `--` right after exec's CONTAINER is dropped (Docker would run "--").
            if (positionals.Count > leading && positionals[leading] == "--")
                positionals.RemoveAt(leading);
            return new SplitArgs([.. _out, "--", .. positionals], _unknown);
        }

        public SplitArgs Rest() => new([.. _out, .. args[_at..]], _unknown);
    }

    private static Option? Find(IReadOnlyList<Option> options, string name) =>
        options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));

    /// <summary>Flags (bool options) have arity zero-or-one in System.CommandLine: only options that need a value take the next token.</summary>
    private static bool TakesValue(Option option) => option.Arity.MinimumNumberOfValues > 0;
}
