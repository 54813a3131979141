namespace Dataplane.Cni;

/// <summary>The CNI_* variables a runtime sets for one plugin invocation, validated per command.</summary>
public sealed record CniEnvironment(string Command, string? ContainerId, string? NetNs, string? IfName, string? Args, string? Path)
{
    public static CniEnvironment Read(Func<string, string?> get)
    {
        string command = get("CNI_COMMAND") is { Length: > 0 } c
            ? c
            : throw new CniException(CniCode.InvalidEnvironment, "CNI_COMMAND is not set");
        var env = new CniEnvironment(command, Value(get, "CNI_CONTAINERID"), Value(get, "CNI_NETNS"), Value(get, "CNI_IFNAME"),
            Value(get, "CNI_ARGS"), Value(get, "CNI_PATH"));
        env.Validate();
        return env;
    }

    private static string? Value(Func<string, string?> get, string name) => get(name) is { Length: > 0 } v ? v : null;

    /// <summary>What each command requires (CNI spec, "Parameters"): DEL may come without a netns.</summary>
    private void Validate()
    {
        switch (Command)
        {
            case "ADD" or "CHECK":
                Require("CNI_CONTAINERID", ContainerId);
                Require("CNI_NETNS", NetNs);
                Require("CNI_IFNAME", IfName);
                Require("CNI_PATH", Path);
                break;
            case "DEL":
                Require("CNI_CONTAINERID", ContainerId);
                Require("CNI_IFNAME", IfName);
                break;
            case "GC" or "STATUS" or "VERSION":
                return;
            default:
                throw new CniException(CniCode.InvalidEnvironment, $"unknown CNI_COMMAND \"{Command}\" (ADD, DEL, CHECK, GC, STATUS or VERSION)");
        }
        if (!IsValidContainerId(ContainerId!))
            throw new CniException(CniCode.InvalidEnvironment,
                $"invalid CNI_CONTAINERID \"{ContainerId}\": letters, digits, '_', '.' and '-', starting with a letter or digit");
        if (IfName!.Length > 15 || IfName is "." or ".." || IfName.Any(ch => ch is '/' or ':' || char.IsWhiteSpace(ch)))
            throw new CniException(CniCode.InvalidEnvironment, $"invalid CNI_IFNAME \"{IfName}\": not a valid interface name");
        if (Args is not null)
            foreach (var pair in Args.Split(';', StringSplitOptions.RemoveEmptyEntries))
                if (pair.IndexOf('=') <= 0)
                    throw new CniException(CniCode.InvalidEnvironment, $"invalid CNI_ARGS \"{Args}\": \"{pair}\" is not KEY=VALUE");
    }

    private static void Require(string name, string? value)
    {
        if (value is null)
            throw new CniException(CniCode.InvalidEnvironment, $"{name} is required for this command but not set");
    }

    private static bool IsValidContainerId(string id)
        => char.IsAsciiLetterOrDigit(id[0]) && id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-');
}
