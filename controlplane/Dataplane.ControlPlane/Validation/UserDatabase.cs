using System.Globalization;

namespace Dataplane.ControlPlane.Validation;

/// <summary>The entries of passwd and group files that `--user` resolves names against.</summary>
public sealed class UserDatabase(string passwdPath, string groupPath)
{
    public static UserDatabase Host { get; } = new("/etc/passwd", "/etc/group");

    public readonly record struct UserEntry(string Name, uint Id, uint Gid);
    public readonly record struct GroupEntry(string Name, uint Id);

    public UserEntry? FindUser(Func<UserEntry, bool> match)
    {
        foreach (var f in Entries(passwdPath, 4)) // name:password:uid:gid:...
            if (uint.TryParse(f[2], CultureInfo.InvariantCulture, out uint uid) && uint.TryParse(f[3], CultureInfo.InvariantCulture, out uint gid)
                && match(new UserEntry(f[0], uid, gid)))
                return new UserEntry(f[0], uid, gid);
        return null;
    }

    public GroupEntry? FindGroup(string name)
    {
        foreach (var f in Entries(groupPath, 3)) // name:password:gid:members
            if (f[0] == name && uint.TryParse(f[2], CultureInfo.InvariantCulture, out uint gid)) return new GroupEntry(f[0], gid);
        return null;
    }

    private static IEnumerable<string[]> Entries(string path, int minFields)
        => (File.Exists(path) ? File.ReadLines(path) : [])
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split(':'))
            .Where(f => f.Length >= minFields);
}
