namespace Dataplane.ControlPlane.Sandbox;

/// <summary>`-e KEY=VALUE` (or `-e KEY`, taken from the caller's environment when set, as docker/cli does).</summary>
public static class EnvironmentVariables
{
    public static string? Parse(string value, Func<string, string?> lookup)
    {
        int eq = value.IndexOf('=');
        string key = eq < 0 ? value : value[..eq];
        if (key.Length == 0 || key.Any(char.IsWhiteSpace))
            throw DataplaneException.Invalid($"invalid argument \"{value}\" for \"-e, --env\" flag: invalid environment variable: {value}");
        if (eq >= 0)
            return value;
        return lookup(key) is { } found ? $"{key}={found}" : null;
    }
}
