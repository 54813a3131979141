using Dataplane.Tests.Support;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// `network connect` and `network disconnect` with the real daemon and CLI: a second interface changes
/// what a container reaches (real pings across networks the data path otherwise isolates) and what it
/// resolves through the embedded DNS, both ways; a stopped container's connection is made by start and
/// kept by a daemon restart; bad input gets Docker's errors and changes nothing.
/// </summary>
public class NetworkConnectTests
{
    private static string AddressOn(DaemonLab d, string container, string network) =>
        d.Ok("inspect", "-f", $"{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}", container).Trim();

    private static bool Pings(DaemonLab d, string from, string address) => d.Cli("exec", from, "ping", "-c", "1", "-W", "2", address).ExitCode == 0;

    private static string? Resolves(DaemonLab d, string from, string name)
    {
        var (code, output, _) = d.Cli("exec", from, "getent", "hosts", name);
        return code == 0 ? output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] : null;
    }

    [PrivilegedFact]
    public void Connect_AddsInterfaceReachabilityAndNames_DisconnectTakesThemAway()
    {
        using var d = new DaemonLab();
        d.Ok("network", "create", "--subnet", "198.18.230.0/24", "front");
        d.Ok("network", "create", "--subnet", "198.18.231.0/24", "back");
        d.Ok("run", "-d", "--name", "ca", "-h", "ahost", "--network", "front", "sleep", "300");
        d.Ok("run", "-d", "--name", "cb", "--network", "back", "sleep", "300");
        var b = AddressOn(d, "cb", "back");
        Assert.False(Pings(d, "ca", b)); // two networks: isolated
        Assert.Null(Resolves(d, "ca", "cb"));

        d.Ok("network", "connect", "--alias", "alpha", "--ip", "198.18.231.77", "back", "ca");
        Assert.Equal("198.18.231.77", AddressOn(d, "ca", "back"));
        Assert.Contains("inet 198.18.231.77/24", d.Ok("exec", "ca", "ip", "-4", "addr", "show", "eth1"));
        Assert.Contains("default via 198.18.230.1 dev eth0", d.Ok("exec", "ca", "ip", "route")); // the first network keeps the default route
        Assert.True(Pings(d, "ca", b));
        Assert.True(Pings(d, "cb", "198.18.231.77"));
        Assert.Equal(b, Resolves(d, "ca", "cb"));
        Assert.Equal("198.18.231.77", Resolves(d, "cb", "alpha"));
        Assert.Equal("198.18.231.77", Resolves(d, "cb", "ca"));
        Assert.Contains("\"IPv4Address\": \"198.18.231.77/24\"", d.Ok("network", "inspect", "back"));
        var hosts = d.Ok("exec", "ca", "cat", "/etc/hosts"); // as Docker: the new address under the container's hostname too
        Assert.Matches(@"198\.18\.230\.\d+\tahost\n", hosts);
        Assert.Contains("198.18.231.77\tahost\n", hosts);

        d.Ok("network", "disconnect", "back", "ca");
        Assert.NotEqual(0, d.Cli("exec", "ca", "ip", "addr", "show", "eth1").ExitCode);
        Assert.False(Pings(d, "ca", b));
        Assert.Null(Resolves(d, "cb", "alpha"));
        Assert.DoesNotContain("198.18.231.77", d.Ok("network", "inspect", "back"));
        Assert.DoesNotContain("198.18.231.77", d.Ok("exec", "ca", "cat", "/etc/hosts"));
        Assert.Matches(@"198\.18\.230\.\d+\tahost\n", d.Ok("exec", "ca", "cat", "/etc/hosts")); // its first network's line stays
        Assert.NotEqual(0, d.Cli("network", "rm", "back").ExitCode); // cb is still on it
        d.Ok("rm", "-f", "cb");
        d.Ok("network", "rm", "back"); // a's address there was released with the interface
    }

    [PrivilegedFact]
    public void BadInput_DockersErrors_NothingChanges()
    {
        using var d = new DaemonLab();
        d.Ok("network", "create", "--subnet", "198.18.232.0/24", "net1");
        d.Ok("run", "-d", "--name", "cc", "sleep", "300");
        d.Ok("run", "-d", "--name", "ch", "--network", "host", "sleep", "300");
        var before = d.Ok("inspect", "cc");

        AssertError(d, "network nope not found", "network", "connect", "nope", "cc");
        AssertError(d, "No such container: nope", "network", "connect", "net1", "nope");
        AssertError(d, "no configured subnet or ip-range contain the IP address 198.18.99.5", "network", "connect", "--ip", "198.18.99.5", "net1", "cc");
        AssertError(d, "invalid IPv4 address: 300.1.1.1", "network", "connect", "--ip", "300.1.1.1", "net1", "cc");
        AssertError(d, "network-scoped alias is supported only for containers in user defined networks", "network", "connect", "--alias", "x", "bridge", "cc");
        AssertError(d, "container cannot be disconnected from host network or connected to host network", "network", "connect", "net1", "ch");
        AssertError(d, "container cannot be disconnected from host network or connected to host network", "network", "connect", "host", "cc");
        AssertError(d, "is not connected to network net1", "network", "disconnect", "net1", "cc");
        AssertError(d, "endpoint with name cc already exists in network bridge", "network", "connect", "bridge", "cc");
        Assert.Equal(before, d.Ok("inspect", "cc"));
        Assert.NotEqual(0, d.Cli("exec", "cc", "ip", "addr", "show", "eth1").ExitCode);

        d.Ok("network", "connect", "--ip", "198.18.232.9", "net1", "cc");
        d.Ok("run", "-d", "--name", "ce", "sleep", "300");
        AssertError(d, "Address already in use: 198.18.232.9", "network", "connect", "--ip", "198.18.232.9", "net1", "ce");
    }

    private static void AssertError(DaemonLab d, string expected, params string[] args)
    {
        var (code, _, err) = d.Cli(args);
        Assert.NotEqual(0, code);
        Assert.Contains(expected, err);
    }

    [PrivilegedFact]
    public void StoppedContainer_ConnectedByStart_DefaultBridgeGainsEmbeddedDns_RestartKeepsIt()
    {
        using var d = new DaemonLab();
        d.Ok("network", "create", "--subnet", "198.18.233.0/24", "user");
        d.Ok("run", "-d", "--name", "peer", "--network", "user", "sleep", "300");
        d.Ok("run", "-d", "--name", "legacy", "sleep", "300"); // the default bridge: no embedded DNS
        Assert.DoesNotContain("127.0.0.11", d.Ok("exec", "legacy", "cat", "/etc/resolv.conf"));
        d.Ok("stop", "-t", "0", "legacy");

        d.Ok("network", "connect", "user", "legacy");
        d.Ok("start", "legacy");
        Assert.StartsWith("nameserver 127.0.0.11\n", d.Ok("exec", "legacy", "cat", "/etc/resolv.conf"));
        Assert.Equal(AddressOn(d, "peer", "user"), Resolves(d, "legacy", "peer"));
        Assert.True(Pings(d, "legacy", AddressOn(d, "peer", "user")));
        Assert.Contains("default via 198.19.0.1 dev eth0", d.Ok("exec", "legacy", "ip", "route"));

        // A daemon restart adopts both interfaces; the primary's disconnect moves the default route.
        d.KillDaemon();
        d.StartDaemon();
        Assert.True(Pings(d, "legacy", AddressOn(d, "peer", "user")));
        d.Ok("network", "disconnect", "bridge", "legacy");
        Assert.Contains("default via 198.18.233.1 dev eth1", d.Ok("exec", "legacy", "ip", "route"));
        Assert.True(Pings(d, "peer", AddressOn(d, "legacy", "user")));
        d.Ok("rm", "-f", "legacy");
        Assert.Empty(d.Ok("ps", "-q", "--filter", "name=legacy").Trim());
    }
}
