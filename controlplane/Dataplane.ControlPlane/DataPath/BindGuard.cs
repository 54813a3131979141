namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// The host-port reservation of --hold-host-ports: the cgroup bind4/bind6 hooks (bpf/lib/dp_bind.h)
/// refuse, with EADDRINUSE, a bind to a published port by any process of the cgroup, in the daemon's
/// network namespace. They read the published-port maps, so reserving a port costs nothing beyond
/// its map entry and no open file. Linked as the socket hooks are: pinned, so the reservation
/// outlives a crashed daemon as its mappings do.
/// </summary>
public static class BindGuard
{
    public const string ProgBind4 = "dp_bind4_guard", ProgBind6 = "dp_bind6_guard";

    private static readonly string[] Hooks = [ProgBind4, ProgBind6];

    /// <summary>Guards <paramref name="cgroupPath"/>; null removes the guard an earlier daemon left.
    /// An earlier daemon's pinned links are replaced either way.</summary>
    public static void Apply(DataPathProgram dataPath, string? cgroupPath)
    {
        foreach (var name in Hooks)
        {
            var pin = PinOf(dataPath, name);
            if (File.Exists(pin)) File.Delete(pin); // the old link detaches when its pin goes
            if (cgroupPath is null) continue;
            using var link = dataPath.Object.Program(name).AttachCgroup(cgroupPath);
            link.Pin(pin);
        }
    }

    private static string PinOf(DataPathProgram dataPath, string name) => Path.Combine(dataPath.Options.PinDirectory, "link_" + name);
}
