using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;

namespace Dataplane.Tests.DataPath;

/// <summary>A process of the fake host reaching a published port through 127.0.0.1 and the host
/// address, with the socket hooks attached by the product's loader to a cgroup of the test.</summary>
[Collection(ProcessCgroupCollection.Name)]
public sealed class LocalhostEndToEndTests : IDisposable
{
    private static readonly IPAddress Ctr = IPAddress.Parse("198.19.1.2"), Gw = IPAddress.Parse("198.19.1.1");
    private readonly Lab _lab = new();
    private readonly string _pins = System.IO.Path.Combine(BpfFs.DefaultRoot, $"dpt-dp-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    private DataPathProgram? _dp;
    private TestCgroup? _cg;

    [PrivilegedTheory]
    [InlineData("127.0.0.1")]
    [InlineData("198.18.0.1")]
    public void SocketHooks_HostProcessToPublishedPort_ReachesContainerAndSeesAskedAddress(string asked)
    {
        var c1 = _lab.AddContainer("c1", Ctr, 24, Gw, bridge: "dpbr0");
        _dp = _lab.Host.Run(() => DataPathProgram.Load(new DataPathOptions { PinDirectory = _pins }, _lab.Host.Cookie));
        _dp.Maps.AddHostAddress(Lab.HostAddress, (uint)_lab.UplinkIndex);
        _dp.Maps.AddPortMapping(Mappings.Of(1, null, DataPathAbi.ProtoTcp, 8080, Ctr, 5201));
        _cg = new TestCgroup();
        _dp.AttachSocketHooks(_cg.Path);
        using var listener = c1.Namespace.Run(() =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(Ctr, 5201));
            l.Listen();
            return l;
        });

        _cg.Enter();
        var (peer, accepted) = _lab.Host.Run(() =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(new IPEndPoint(IPAddress.Parse(asked), 8080));
            using var server = listener.Accept();
            return (SocketHookTests.PeerOf(client), server.LocalEndPoint!.ToString());
        });
        _cg.Leave();

        Assert.Equal($"{Ctr}:5201", accepted);
        Assert.Equal($"{asked}:8080", peer);
    }

    public void Dispose()
    {
        try
        {
            _cg?.Leave();
            _dp?.DetachSocketHooks();
            _cg?.Dispose();
            _lab.Dispose();
        }
        finally
        {
            _dp?.Dispose();
            DataPathProgram.RemovePins(_pins);
        }
    }
}
