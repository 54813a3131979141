using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Daemon;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Bpf;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.DataPath;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// --hold-host-ports as the daemon wires it: the data path started by NetworkHost with its socket hooks
/// on a cgroup of the test, ports published through the PortPublisher, and a process of the fake host
/// (the test process, moved into that cgroup) binding them: refused while published, across a daemon
/// restart, free once unpublished. A port someone else holds is refused to the publisher.
/// </summary>
[Collection(ProcessCgroupCollection.Name)]
public sealed class HostPortReservationTests : IDisposable
{
    private static readonly IPAddress Ctr = IPAddress.Parse("198.19.40.2");
    private static readonly Owner Owner = new(OwnerKind.Cni, "reserve/eth0");
    private readonly Lab _lab = null!;
    private readonly TestCgroup _cg = null!;
    private readonly string _pins = Path.Combine(BpfFs.DefaultRoot, TestNames.Unique("pins"));
    private NetworkHost? _host;

    public HostPortReservationTests()
    {
        if (!Privileges.IsRoot) return;
        _lab = new Lab();
        _cg = new TestCgroup();
    }

    public void Dispose()
    {
        if (!Privileges.IsRoot) return;
        try
        {
            _cg.Leave();
            _host?.Uninstall();
            _host?.Dispose();
            _cg.Dispose();
        }
        finally
        {
            _lab.Dispose();
            DataPathProgram.RemovePins(_pins);
        }
    }

    private PortPublisher StartDaemon()
    {
        _host = NetworkHost.Start(new DaemonOptions(Uplinks: [Lab.Uplink], SocketHookCgroup: _cg.Path)
        {
            Namespace = _lab.Host.Name,
            DataPath = new DataPathOptions { PinDirectory = _pins, ConntrackEntries = 4096 },
        });
        return new PortPublisher(_host.PortMap, new HostPortAllocator(HostPortAllocator.DefaultDynamicRange, _host.CreatePortProbe(hold: true)));
    }

    /// <summary>bind(2) by a process of the cgroup in the fake host: Success or the kernel's error.</summary>
    private SocketError BindInCgroup(int port, bool udp = false)
    {
        _cg.Enter();
        try
        {
            return _lab.Host.Run(() =>
            {
                using var s = new Socket(AddressFamily.InterNetwork, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
                try
                {
                    s.Bind(new IPEndPoint(IPAddress.Any, port));
                    return SocketError.Success;
                }
                catch (SocketException e)
                {
                    return e.SocketErrorCode;
                }
            });
        }
        finally
        {
            _cg.Leave();
        }
    }

    /// <summary>The fake host's net.ipv4.ip_local_reserved_ports (its own namespace's, never the machine's).</summary>
    private string ReservedLocalPorts() => Sysctl.Read(_lab.Host, "net.ipv4.ip_local_reserved_ports");

    private static PortBinding Binding(string spec) => PortSpecParser.Parse(spec).Single();

    [PrivilegedFact]
    public void PublishedPort_RefusedToHostProcesses_AcrossARestart_FreeOnceUnpublished()
    {
        var ports = StartDaemon();
        var published = ports.Publish(Owner, Ctr, [Binding("8085:80"), Binding("5300:53/udp")]);
        Assert.Equal(SocketError.AddressAlreadyInUse, BindInCgroup(8085));
        Assert.Equal(SocketError.AddressAlreadyInUse, BindInCgroup(5300, udp: true));
        Assert.Equal(SocketError.Success, BindInCgroup(8085, udp: true));
        Assert.Equal("5300,8085", ReservedLocalPorts()); // nor picked as an ephemeral port

        _host!.Dispose(); // a daemon that stops (or crashes): the pinned guard and mappings stay
        _host = null;
        Assert.Equal(SocketError.AddressAlreadyInUse, BindInCgroup(8085));
        ports = StartDaemon();
        ports.Reconcile([new PortPublisher.Claim(Owner, Ctr, published)]);
        Assert.Equal(SocketError.AddressAlreadyInUse, BindInCgroup(8085));

        Assert.Equal("5300,8085", ReservedLocalPorts());

        ports.Unpublish(Owner);
        Assert.Equal(SocketError.Success, BindInCgroup(8085));
        Assert.Equal("", ReservedLocalPorts());
    }

    [PrivilegedFact]
    public void PortTheRuntimeHolds_NotGuarded_AcrossARestart()
    {
        var ports = StartDaemon();
        var published = ports.Publish(Owner, Ctr, [Binding("8088:80")], reserveHostPorts: false);
        Assert.Equal(SocketError.Success, BindInCgroup(8088));
        _host!.Dispose();
        _host = null;
        ports = StartDaemon();
        ports.Reconcile([new PortPublisher.Claim(Owner, Ctr, published, ReserveHostPorts: false)]);
        Assert.Equal(SocketError.Success, BindInCgroup(8088));
        Assert.Single(ports.Of(Owner));
    }

    [PrivilegedFact]
    public void PortAnotherProcessHolds_PublishRefused_NothingPublished()
    {
        var ports = StartDaemon();
        using var other = _lab.Host.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Any, 8086));
            s.Listen();
            return s;
        });
        var e = Assert.Throws<DataplaneException>(() => ports.Publish(Owner, Ctr, [Binding("8087:80"), Binding("8086:81")]));
        Assert.Equal("failed to bind host port 0.0.0.0:8086/tcp: address already in use", e.Message);
        Assert.Empty(ports.Of(Owner));
        Assert.Equal(SocketError.Success, BindInCgroup(8087));
    }
}
