using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Validation;
using Dataplane.Interop.Processes;
using static Dataplane.Interop.Processes.Capability;

namespace Dataplane.Tests.ControlPlane;

public sealed class PrivilegeOptionsTests : IDisposable
{
    private static readonly IReadOnlySet<Capability> Everything = Enum.GetValues<Capability>().Where(c => (int)c <= ProcessPrivileges.LastCapability).ToHashSet();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dpt-users-");
    private readonly UserDatabase _users;

    public PrivilegeOptionsTests()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "passwd"), "root:x:0:0:root:/root:/bin/sh\n# comment\nwww:x:33:34:www:/var/www:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");
        File.WriteAllText(Path.Combine(_dir.FullName, "group"), "root:x:0:\nstaff:x:50:www\nnogroup:x:65534:\n");
        _users = new UserDatabase(Path.Combine(_dir.FullName, "passwd"), Path.Combine(_dir.FullName, "group"));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private ProcessPrivileges Parse(string? user = null, string[]? add = null, string[]? drop = null, bool privileged = false, IReadOnlySet<Capability>? held = null)
        => PrivilegeOptions.Parse(user, add, drop, privileged, held ?? Everything, _users);

    private void Invalid(string message, string? user = null, string[]? add = null, string[]? drop = null)
    {
        var e = Assert.Throws<DataplaneException>(() => Parse(user, add, drop));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Nothing_DockersDefaultSet_NoUser_NoNewPrivs()
    {
        var p = Parse();
        Assert.Equal(ProcessPrivileges.DockerDefaultCapabilities.Order(), p.Capabilities.Order());
        Assert.Null(p.User);
        Assert.True(p.NoNewPrivileges);
    }

    [Theory]
    [InlineData("NET_ADMIN")]
    [InlineData("net_admin")]
    [InlineData("CAP_NET_ADMIN")]
    [InlineData("Cap_Net_Admin")]
    public void CapAdd_AnySpelling_Added(string name)
        => Assert.Equal(ProcessPrivileges.DockerDefaultCapabilities.Append(NET_ADMIN).Order(), Parse(add: [name]).Capabilities.Order());

    [Fact]
    public void CapDrop_Removed_AndAddWins()
    {
        Assert.DoesNotContain(NET_RAW, Parse(drop: ["net_raw"]).Capabilities);
        Assert.Equal([CHOWN, NET_BIND_SERVICE], Parse(add: ["chown", "NET_BIND_SERVICE"], drop: ["all"]).Capabilities.Order());
    }

    [Fact]
    public void CapAddAll_EveryHeldButTheDrops()
    {
        var held = Everything.Except([SYS_RESOURCE]).ToHashSet();
        var caps = Parse(add: ["ALL"], drop: ["SYS_ADMIN"], held: held).Capabilities;
        Assert.Equal(held.Except([SYS_ADMIN]).Order(), caps.Order());
    }

    [Fact]
    public void CapAdd_NotHeldByTheDaemon_RefusedNamingIt()
    {
        var e = Assert.Throws<DataplaneException>(() => Parse(add: ["SYS_RESOURCE"], held: Everything.Except([SYS_RESOURCE]).ToHashSet()));
        Assert.Equal("invalid CapAdd: capability \"CAP_SYS_RESOURCE\" is not held by the daemon, so no container can have it", e.Message);
    }

    [Fact]
    public void UnknownCapability_DockersText()
    {
        Invalid("invalid CapAdd: unknown capability: \"CAP_FOO\"", add: ["foo"]);
        Invalid("invalid CapDrop: unknown capability: \"CAP_BAR\"", drop: ["cap_bar"]);
        Invalid("invalid CapAdd: unknown capability: \"CAP_5\"", add: ["5"]); // numbers are not names
    }

    [Fact]
    public void Privileged_EveryHeldCapability_NoNoNewPrivs_CapOptionsIgnored()
    {
        var held = Everything.Except([SYS_RESOURCE]).ToHashSet();
        var p = PrivilegeOptions.Parse(null, null, ["ALL"], true, held, _users);
        Assert.False(p.NoNewPrivileges);
        Assert.Equal(held.Order(), p.Capabilities.Order());
    }

    [Theory]
    [InlineData("www", 33u, 34u)]
    [InlineData("www:staff", 33u, 50u)]
    [InlineData("www:7", 33u, 7u)]
    [InlineData("33", 33u, 34u)]
    [InlineData("1234", 1234u, 0u)]
    [InlineData("1234:nogroup", 1234u, 65534u)]
    [InlineData("nobody", 65534u, 65534u)]
    [InlineData(":50", 0u, 50u)]
    [InlineData("0:0", 0u, 0u)]
    public void User_NamesAndNumbers_Resolved(string spec, uint uid, uint gid)
        => Assert.Equal(new ProcessUser(uid, gid), Parse(user: spec).User);

    [Fact]
    public void User_Unknown_DockersTexts()
    {
        Invalid("unable to find user ghost: no matching entries in passwd file", user: "ghost");
        Invalid("unable to find group ghosts: no matching entries in group file", user: "www:ghosts");
        Invalid("uids and gids must be in range 0-2147483647", user: "2147483648");
        Invalid("uids and gids must be in range 0-2147483647", user: "-1");
        Invalid("uids and gids must be in range 0-2147483647", user: "www:99999999999");
    }
}
