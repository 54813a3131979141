using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Topology;
using static Dataplane.Tests.EndToEnd.DataPathLab;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// A container that gives itself a second, unassigned address of its subnet and sends from it: the
/// datagrams never leave the host (counted as Spoofed), while its own address keeps working.
/// </summary>
public sealed class AntiSpoofEndToEndTests(DataPathLab lab) : IClassFixture<DataPathLab>
{
    private static readonly IPAddress Forged = IPAddress.Parse("198.19.10.50");

    [PrivilegedFact]
    public void Udp_FromAForgedSourceOfItsOwnSubnet_NeverLeavesTheHostAndIsCounted()
    {
        var (exit, output) = Sh(lab.Ns1, $"ip addr add {Forged}/24 dev eth0");
        Assert.True(exit == 0, output);
        try
        {
            using var server = lab.Lab.External.Run(() =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 3000 };
                s.Bind(new IPEndPoint(Lab.ExternalAddress, 7600));
                return s;
            });
            using var own = lab.Ns1.Run(() => Bound(C1));
            using var forged = lab.Ns1.Run(() => Bound(Forged));
            var to = new IPEndPoint(Lab.ExternalAddress, 7600);
            var before = lab.Host.Counters.Drops()[DropReason.Spoofed].Packets;

            own.SendTo("own-1"u8.ToArray(), to);   // resolves the gateway with the container's own address
            Assert.Equal("own-1", Receive(server));
            forged.SendTo("forged"u8.ToArray(), to);
            WaitFor(() => lab.Host.Counters.Drops()[DropReason.Spoofed].Packets > before);
            own.SendTo("own-2"u8.ToArray(), to);

            Assert.Equal("own-2", Receive(server)); // the forged datagram, sent before it, never arrived
        }
        finally
        {
            Sh(lab.Ns1, $"ip addr del {Forged}/24 dev eth0");
        }
    }

    private static Socket Bound(IPAddress address)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(address, 0));
        return s;
    }

    private static string Receive(Socket s)
    {
        var buffer = new byte[64];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = s.ReceiveFrom(buffer, ref from);
        Assert.Equal(Lab.HostAddress, ((IPEndPoint)from).Address); // masqueraded as usual
        return Encoding.ASCII.GetString(buffer, 0, n);
    }

    private static void WaitFor(Func<bool> condition, int timeoutMs = 5000)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.ElapsedMilliseconds < timeoutMs, "the forged datagram was not counted as Spoofed");
            Thread.Sleep(10);
        }
    }
}
