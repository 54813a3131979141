namespace Dataplane.Tests.Support;

/// <summary>A fact that needs root (namespaces, netlink, BPF). Skipped with the reason when not root; CI is root.</summary>
public sealed class PrivilegedFactAttribute : FactAttribute
{
    public PrivilegedFactAttribute()
    {
        if (!Privileges.IsRoot) Skip = Privileges.SkipReason;
    }
}

/// <summary>A theory that needs root; see <see cref="PrivilegedFactAttribute"/>.</summary>
public sealed class PrivilegedTheoryAttribute : TheoryAttribute
{
    public PrivilegedTheoryAttribute()
    {
        if (!Privileges.IsRoot) Skip = Privileges.SkipReason;
    }
}

public static class Privileges
{
    public static bool IsRoot { get; } = Environment.IsPrivilegedProcess;
    public const string SkipReason = "needs root (network namespaces, netlink, BPF); run as root, as CI does";
}
