using System.Text.RegularExpressions;

namespace Dataplane.Interop.Namespaces;

/// <summary>
/// Network sysctls read and written inside a given namespace: /proc/sys/net shows the namespace of
/// the thread that opens the file, so the file is opened from a thread inside it.
/// </summary>
public static partial class Sysctl
{
    public static string Read(NetworkNamespace ns, string key)
    {
        var path = PathOf(key);
        return ns.Run(() => File.ReadAllText(path).Trim());
    }

    public static void Write(NetworkNamespace ns, string key, string value)
    {
        var path = PathOf(key);
        ns.Run(() =>
        {
            try
            {
                File.WriteAllText(path, value);
            }
            catch (IOException e)
            {
                throw new InteropException("write sysctl", $"{key}={value}", Errno.EINVAL, e.Message);
            }
        });
    }

    private static string PathOf(string key)
    {
        if (!KeyPattern().IsMatch(key) || key.Contains(".."))
            throw new ArgumentException($"invalid sysctl key '{key}'", nameof(key));
        var path = "/proc/sys/" + key.Replace('.', '/');
        return File.Exists(path) ? path : throw new InteropException("open sysctl", key, Errno.ENOENT);
    }

    [GeneratedRegex("^net\\.[a-z0-9_.-]+$")]
    private static partial Regex KeyPattern();
}
