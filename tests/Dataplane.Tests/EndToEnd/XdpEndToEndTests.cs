using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using static Dataplane.Tests.EndToEnd.DataPathLab;

namespace Dataplane.Tests.EndToEnd;

public sealed class XdpDataPathLab() : DataPathLab(xdp: true);

/// <summary>
/// The uplink's XDP fast path with real packets: after a flow's first packet (tc creates its
/// conntrack entry) the rest are translated in XDP and redirected to the container's veth, whose
/// container end must run XDP to accept them.
/// </summary>
public sealed class XdpEndToEndTests(XdpDataPathLab lab) : IClassFixture<XdpDataPathLab>
{
    private const int SolSocket = 1, SoNoCheck = 11;

    [PrivilegedFact]
    public void Xdp_EstablishedUdpFlow_TranslatedAndDeliveredIntoTheContainer()
    {
        var mapping = Mappings.Of(21, null, DataPathAbi.ProtoUdp, 5454, C1, 54);
        lab.Host.PortMap.AddPortMappings([mapping]);
        using var receiver = lab.Ns1.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
            s.Bind(new IPEndPoint(IPAddress.Any, 54));
            return s;
        });
        // Checksum 0 (SO_NO_CHECK): the lab's veth would otherwise hand XDP a partial checksum, which
        // no physical uplink does (bpf/README.md).
        using var sender = lab.Lab.External.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.SetRawSocketOption(SolSocket, SoNoCheck, BitConverter.GetBytes(1));
            s.Connect(new IPEndPoint(Lab.HostAddress, 5454));
            return s;
        });
        try
        {
            var before = lab.Host.Counters.MappingCounters(mapping.Id);
            var buffer = new byte[64];
            for (int i = 0; i < 50; i++)
            {
                sender.Send(BitConverter.GetBytes(i));
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n = receiver.ReceiveFrom(buffer, ref from);
                Assert.Equal(i, BitConverter.ToInt32(buffer, 0));
                Assert.Equal(4, n);
                Assert.Equal(Lab.ExternalAddress, ((IPEndPoint)from).Address); // the client's address preserved
            }
            Assert.Equal(50UL, lab.Host.Counters.MappingCounters(mapping.Id).Packets - before.Packets);
        }
        finally
        {
            lab.Host.PortMap.RemovePortMappings([mapping]);
        }
    }
}
