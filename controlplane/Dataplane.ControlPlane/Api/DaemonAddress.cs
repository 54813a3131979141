namespace Dataplane.ControlPlane.Api;

/// <summary>Where the daemon listens: `--host unix:///PATH`, else DATAPLANE_HOST, else the default socket.</summary>
public static class DaemonAddress
{
    public const string DefaultSocketPath = "/run/dataplane/dataplane.sock";
    public const string EnvironmentVariable = "DATAPLANE_HOST";

    public static string ResolveSocketPath(string? hostOption, Func<string, string?> environment)
    {
        string? host = string.IsNullOrEmpty(hostOption) ? environment(EnvironmentVariable) : hostOption;
        if (string.IsNullOrEmpty(host))
            return DefaultSocketPath;
        const string scheme = "unix://";
        if (!host.StartsWith(scheme, StringComparison.Ordinal) || host.Length == scheme.Length || host[scheme.Length] != '/')
            throw DataplaneException.Invalid($"invalid host \"{host}\": only unix:///PATH is supported");
        return host[scheme.Length..];
    }
}
