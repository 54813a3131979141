using System.Globalization;
using Dataplane.ControlPlane.Api;
using Dataplane.Interop.Processes;

namespace Dataplane.ControlPlane.Validation;

/// <summary>
/// `--user`, `--cap-add`, `--cap-drop` and `--privileged` checked, before any side effect, and turned
/// into what the sandbox applies; Docker's rules and error texts (moby's oci/caps and moby/sys/user).
/// A sandbox shares the host's files, so user and group names come from the host's /etc/passwd and
/// /etc/group.
/// </summary>
public static class PrivilegeOptions
{
    private const string All = "ALL";
    private const long MaxId = int.MaxValue;

    public static ProcessPrivileges Parse(RunRequest request)
        => Parse(request.User, request.CapAdd, request.CapDrop, request.Privileged, ProcessPrivileges.Held(), UserDatabase.Host);

    /// <param name="held">What the daemon holds: the most a sandbox can be given (`ALL` and `--privileged` mean these).</param>
    public static ProcessPrivileges Parse(string? user, IReadOnlyList<string>? capAdd, IReadOnlyList<string>? capDrop, bool privileged,
        IReadOnlySet<Capability> held, UserDatabase users)
    {
        var adds = Normalize(capAdd ?? [], "CapAdd");
        var drops = Normalize(capDrop ?? [], "CapDrop");
        var processUser = ParseUser(user, users);
        if (privileged) return new ProcessPrivileges(held, processUser, NoNewPrivileges: false); // Docker ignores --cap-add/--cap-drop then
        foreach (var c in adds.Where(c => c != All).Select(Parse))
            if (!held.Contains(c))
                throw DataplaneException.Invalid($"invalid CapAdd: capability \"CAP_{c}\" is not held by the daemon, so no container can have it");
        return new ProcessPrivileges(Tweak(adds, drops, held), processUser);
    }

    /// <summary>
    /// moby's TweakCapabilities: ALL in adds is every capability but the drops; ALL in drops is only
    /// the adds; otherwise Docker's default set (as far as the daemon holds it) minus drops plus adds.
    /// </summary>
    private static HashSet<Capability> Tweak(List<string> adds, List<string> drops, IReadOnlySet<Capability> held)
    {
        var add = adds.Where(c => c != All).Select(Parse);
        var drop = drops.Where(c => c != All).Select(Parse).ToHashSet();
        if (adds.Contains(All)) return held.Where(c => !drop.Contains(c)).ToHashSet();
        if (drops.Contains(All)) return add.ToHashSet();
        return ProcessPrivileges.DockerDefaultCapabilities.Where(c => held.Contains(c) && !drop.Contains(c)).Concat(add).ToHashSet();
    }

    /// <summary>Upper case, CAP_ prefixed unless ALL, known to this kernel (moby's NormalizeLegacyCapabilities).</summary>
    private static List<string> Normalize(IReadOnlyList<string> names, string field)
    {
        var normalized = new List<string>();
        foreach (var raw in names)
        {
            var name = (raw ?? "").ToUpperInvariant();
            if (name == All)
            {
                normalized.Add(name);
                continue;
            }
            if (!name.StartsWith("CAP_", StringComparison.Ordinal)) name = "CAP_" + name;
            if (!Known(name)) throw DataplaneException.Invalid($"invalid {field}: unknown capability: \"{name}\"");
            normalized.Add(name);
        }
        return normalized;
    }

    private static bool Known(string name)
        => Enum.GetValues<Capability>().Any(c => (int)c <= ProcessPrivileges.LastCapability && "CAP_" + c == name);

    private static Capability Parse(string normalized) => Enum.Parse<Capability>(normalized["CAP_".Length..]);

    /// <summary>
    /// USER[:GROUP], each a name or a number (moby/sys/user GetExecUser): a named user takes its
    /// primary group unless one is given; a number absent from passwd is taken as is, with group 0.
    /// Null or empty: the sandbox's default user (root), no switch.
    /// </summary>
    private static ProcessUser? ParseUser(string? spec, UserDatabase users)
    {
        if (string.IsNullOrEmpty(spec)) return null;
        int colon = spec.IndexOf(':');
        var userPart = colon < 0 ? spec : spec[..colon];
        var groupPart = colon < 0 ? "" : spec[(colon + 1)..];

        uint uid = 0, gid = 0;
        if (userPart.Length > 0)
        {
            if (TryId(userPart, out uid))
            {
                if (users.FindUser(e => e.Id == uid) is { } byId) gid = byId.Gid;
            }
            else
            {
                var entry = users.FindUser(e => e.Name == userPart)
                    ?? throw DataplaneException.Invalid($"unable to find user {userPart}: no matching entries in passwd file");
                (uid, gid) = (entry.Id, entry.Gid);
            }
        }
        if (groupPart.Length > 0)
        {
            if (!TryId(groupPart, out gid))
                gid = (users.FindGroup(groupPart) ?? throw DataplaneException.Invalid($"unable to find group {groupPart}: no matching entries in group file")).Id;
        }
        return new ProcessUser(uid, gid);
    }

    /// <summary>A decimal id; out of 0-2147483647 is refused with moby's text.</summary>
    private static bool TryId(string text, out uint id)
    {
        id = 0;
        bool numeric = text.Length > 0 && text.All(char.IsAsciiDigit) || text.Length > 1 && text[0] == '-' && text[1..].All(char.IsAsciiDigit);
        if (!numeric) return false;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < 0 || value > MaxId)
            throw DataplaneException.Invalid($"uids and gids must be in range 0-{MaxId}");
        id = (uint)value;
        return true;
    }
}
