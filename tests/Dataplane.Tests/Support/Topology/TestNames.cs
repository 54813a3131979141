namespace Dataplane.Tests.Support.Topology;

/// <summary>
/// Names of what tests create: `dpt-PID-RANDOM-role`. The pid tells the sweeper whether the run that
/// made a leftover is still alive, so parallel runs never sweep each other.
/// </summary>
public static class TestNames
{
    public const string Prefix = "dpt-";

    public static string Unique(string role) => $"{Prefix}{Environment.ProcessId}-{Random.Shared.Next(0x1000000):x6}-{role}";

    /// <summary>The pid encoded in a test name (also the data path tests' dpt-dp-PID-RAND pin directories), or null for names that are not ours.</summary>
    public static int? OwnerPid(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = name[Prefix.Length..];
        if (rest.StartsWith("dp-", StringComparison.Ordinal)) rest = rest[3..];
        int dash = rest.IndexOf('-');
        return dash > 0 && int.TryParse(rest[..dash], out int pid) ? pid : null;
    }
}
