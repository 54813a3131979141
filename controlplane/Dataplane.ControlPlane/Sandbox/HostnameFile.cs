namespace Dataplane.ControlPlane.Sandbox;

/// <summary>A sandbox's /etc/hostname, and the default hostname Docker gives: the short container id.</summary>
public static class HostnameFile
{
    public static string Build(string hostname) => hostname + "\n";

    /// <summary>RFC 1123 labels, at most 63 characters each, as Docker checks -h.</summary>
    public static void Validate(string hostname)
    {
        bool ok = hostname.Length is > 0 and <= 253 && hostname.Split('.').All(label =>
            label.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1])
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
        if (!ok)
            throw DataplaneException.Invalid($"invalid hostname format: {hostname}");
    }
}
