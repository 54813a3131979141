using System.Net;
using System.Net.Sockets;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop.Namespaces;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using static Dataplane.Tests.EndToEnd.DataPathLab;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// UDP datagrams larger than the MTU (4000 bytes over 1500-byte links: three IPv4 fragments each)
/// through a published port and through masquerade, both directions, between real sockets: every
/// datagram arrives whole, with the addresses each side expects, and no fragment is dropped.
/// </summary>
public sealed class FragmentEndToEndTests(DataPathLab lab) : IClassFixture<DataPathLab>
{
    private const int Size = 4000, Datagrams = 40;

    private static Socket Udp(NetworkNamespace ns, IPEndPoint bind) => ns.Run(() =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 3000 };
        s.Bind(bind);
        return s;
    });

    private static byte[] Datagram(int i, byte direction)
    {
        var d = new byte[Size];
        for (int j = 0; j < d.Length; j++) d[j] = (byte)(j * 7 + i + direction);
        BitConverter.GetBytes(i).CopyTo(d, 0);
        return d;
    }

    /// <summary>Sends each datagram from a to b, b answers with one as large; both check bytes and peers.</summary>
    private static void PingPong(Socket a, IPEndPoint aSendsTo, IPEndPoint bSeesA, Socket b, IPEndPoint aSeesB)
    {
        var buffer = new byte[Size + 1];
        for (int i = 0; i < Datagrams; i++)
        {
            a.SendTo(Datagram(i, 0), aSendsTo);
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = b.ReceiveFrom(buffer, ref from);
            Assert.Equal(Convert.ToHexString(Datagram(i, 0)), Convert.ToHexString(buffer, 0, n));
            Assert.Equal(bSeesA, from);

            b.SendTo(Datagram(i, 1), from);
            from = new IPEndPoint(IPAddress.Any, 0);
            n = a.ReceiveFrom(buffer, ref from);
            Assert.Equal(Convert.ToHexString(Datagram(i, 1)), Convert.ToHexString(buffer, 0, n));
            Assert.Equal(aSeesB, from);
        }
    }

    private ulong FragmentDrops()
    {
        var d = lab.Host.Counters.Drops();
        return d[DropReason.FragNoState].Packets + d[DropReason.Fragment].Packets;
    }

    [PrivilegedFact]
    public void Udp_OversizeDatagramsThroughPublishedPort_ArriveWholeBothWays()
    {
        var mapping = Mappings.Of(31, null, DataPathAbi.ProtoUdp, 5400, C1, 540);
        lab.Host.PortMap.AddPortMappings([mapping]);
        try
        {
            using var container = Udp(lab.Ns1, new IPEndPoint(IPAddress.Any, 540));
            using var client = Udp(lab.Lab.External, new IPEndPoint(Lab.ExternalAddress, 45400));
            var drops = FragmentDrops();

            PingPong(client, new IPEndPoint(Lab.HostAddress, 5400), new IPEndPoint(Lab.ExternalAddress, 45400),
                container, new IPEndPoint(Lab.HostAddress, 5400));

            // 3 fragments per datagram, both directions, all through the mapping.
            Assert.True(lab.Host.Counters.MappingCounters(mapping.Id).Packets >= 2UL * 3 * Datagrams);
            Assert.Equal(drops, FragmentDrops());
        }
        finally
        {
            lab.Host.PortMap.RemovePortMappings([mapping]);
        }
    }

    [PrivilegedFact]
    public void Udp_OversizeDatagramsThroughMasquerade_ArriveWholeBothWays()
    {
        using var server = Udp(lab.Lab.External, new IPEndPoint(Lab.ExternalAddress, 7400));
        using var container = Udp(lab.Ns3, new IPEndPoint(C3, 47400));
        var drops = FragmentDrops();
        var external = new IPEndPoint(Lab.ExternalAddress, 7400);

        var buffer = new byte[Size + 1];
        container.SendTo(Datagram(-1, 0), external);
        EndPoint seen = new IPEndPoint(IPAddress.Any, 0);
        server.ReceiveFrom(buffer, ref seen);
        var masqueraded = (IPEndPoint)seen;
        Assert.Equal(Lab.HostAddress, masqueraded.Address); // the private source never leaves
        server.SendTo(Datagram(-1, 1), masqueraded);
        seen = new IPEndPoint(IPAddress.Any, 0);
        container.ReceiveFrom(buffer, ref seen);

        PingPong(container, external, masqueraded, server, external);
        Assert.Equal(drops, FragmentDrops());
    }
}
