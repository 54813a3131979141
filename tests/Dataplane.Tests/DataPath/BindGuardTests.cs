using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>
/// cgroup bind4/bind6 (PROG_TEST_RUN cannot run sock_addr programs): the test process, moved into a
/// cgroup of its own with the guard attached, binds real sockets in a throwaway namespace that has
/// the seeded world's host address. Published: TCP 8080 and UDP 5353 on every address, TCP 9090 on
/// 127.0.0.1, TCP 8443 on 198.18.0.1.
/// </summary>
[Collection(ProcessCgroupCollection.Name)]
public sealed class BindGuardTests : DataPathTestBase
{
    private readonly FibNamespace _ns = new();
    private TestCgroup? _cg;

    private protected override void DisposeMore()
    {
        try
        {
            _cg?.Dispose();
        }
        finally
        {
            _ns.Dispose();
        }
    }

    private void Guard(bool ownNetns = true)
    {
        var cookie = _ns.Run(() =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var buf = new byte[8];
            s.GetRawSocketOption(1 /* SOL_SOCKET */, 71 /* SO_NETNS_COOKIE */, buf);
            return BitConverter.ToUInt64(buf);
        });
        O.Update(DataPathAbi.MapConfig, 0u, new ConfigValue { NetnsCookie = ownNetns ? cookie : cookie + 1000 });
        _cg = new TestCgroup();
        _cg.Attach(O.Program(BindGuard.ProgBind4));
        _cg.Attach(O.Program(BindGuard.ProgBind6));
        _cg.Enter();
    }

    /// <summary>What bind(2) answered: Success, or the kernel's error.</summary>
    private SocketError Bind(string address, int port, bool udp = false, bool dualStack = false) => _ns.Run(() =>
    {
        var ip = IPAddress.Parse(address);
        using var s = new Socket(ip.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = dualStack;
        try
        {
            s.Bind(new IPEndPoint(ip, port));
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    });

    [PrivilegedTheory]
    [InlineData("0.0.0.0", WebPort, false)]           // wildcard publication: every address
    [InlineData(Host, WebPort, false)]
    [InlineData("127.0.0.1", WebPort, false)]
    [InlineData("0.0.0.0", DnsPort, true)]
    [InlineData("127.0.0.1", LocalOnlyPort, false)]   // a publication on one address
    [InlineData("0.0.0.0", LocalOnlyPort, false)]     // the wildcard overlaps it
    [InlineData(Host, PinnedPort, false)]
    [InlineData("0.0.0.0", PinnedPort, false)]        // found by walking the host addresses
    [InlineData("::ffff:127.0.0.1", LocalOnlyPort, false)]
    public void Bind_PublishedPort_AddressInUse(string address, int port, bool udp)
    {
        Guard();
        Assert.Equal(SocketError.AddressAlreadyInUse, Bind(address, port, udp));
    }

    [PrivilegedTheory]
    [InlineData("0.0.0.0", WebPort, true)]            // same port, other protocol
    [InlineData("0.0.0.0", DnsPort, false)]
    [InlineData(Host, LocalOnlyPort, false)]          // published on another address only
    [InlineData("127.0.0.1", PinnedPort, false)]
    [InlineData("0.0.0.0", 8081, false)]              // not published
    [InlineData("0.0.0.0", 0, false)]                 // the kernel picks
    [InlineData("::", WebPort, false)]                // IPv6-only [::]: the IPv4 publication is not its
    public void Bind_OtherPorts_Succeed(string address, int port, bool udp)
    {
        Guard();
        Assert.Equal(SocketError.Success, Bind(address, port, udp));
    }

    [PrivilegedFact]
    public void Bind6_DualStackWildcard_HoldsIPv4Too_Refused()
    {
        Guard();
        Assert.Equal(SocketError.AddressAlreadyInUse, Bind("::", WebPort, dualStack: true));
        Assert.Equal(SocketError.Success, Bind("::", 8081, dualStack: true));
    }

    [PrivilegedFact]
    public void Bind_PortTheRuntimeHoldsItself_LeftToTheRuntime()
    {
        O.Ports.Update(new PortMapKey { PortBe = PortBe(7070), Proto = ProtoTcp },
            new PortMapValue { CtrAddrBe = AddrBe(C1), CtrPortBe = PortBe(70), MappingId = 9, Flags = (uint)PortMapFlags.Unguarded });
        Guard();
        Assert.Equal(SocketError.Success, Bind("0.0.0.0", 7070));
    }

    [PrivilegedFact]
    public void Bind_OtherNetworkNamespace_LeftAlone()
    {
        Guard(ownNetns: false);
        Assert.Equal(SocketError.Success, Bind("0.0.0.0", WebPort));
    }
}
