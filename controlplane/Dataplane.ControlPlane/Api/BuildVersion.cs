using System.Reflection;
using System.Runtime.InteropServices;

namespace Dataplane.ControlPlane.Api;

/// <summary>What a binary says about itself in `version`: its version and commit (the informational
/// version's `+COMMIT`), the API version, .NET, OS/architecture as Go names them, and the kernel.</summary>
public static class BuildVersion
{
    public const string ApiVersion = "1";

    public static VersionResponse Of(Assembly assembly)
    {
        string informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = informational.IndexOf('+');
        string commit = plus < 0 ? "unknown" : informational[(plus + 1)..];
        return new VersionResponse(
            plus < 0 ? informational : informational[..plus],
            ApiVersion,
            commit[..Math.Min(7, commit.Length)],
            Environment.Version.ToString(),
            "linux",
            RuntimeInformation.OSArchitecture switch { Architecture.X64 => "amd64", Architecture.Arm64 => "arm64", var a => a.ToString().ToLowerInvariant() },
            Kernel());
    }

    /// <summary>The daemon's own: the control plane it runs.</summary>
    public static VersionResponse Server() => Of(typeof(BuildVersion).Assembly);

    private static string Kernel()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
