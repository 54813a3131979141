using Dataplane.ControlPlane.DataPath;
using Dataplane.Tests.Support;
using static Dataplane.Tests.DataPath.Frames;
using static Dataplane.Tests.DataPath.TestWorld;

namespace Dataplane.Tests.DataPath;

/// <summary>Many random flows (addresses, ports, odd and even payload lengths, options, UDP with and
/// without checksum) through tc and XDP: every output equals the frame built from scratch.</summary>
public sealed class RandomFlowTests : DataPathTestBase
{
    [PrivilegedFact]
    public void UplinkAndXdp_RandomPublishedFlows_OutputEqualsFromScratchFrames()
    {
        var rng = new Random(20261122);
        for (int i = 0; i < 300; i++)
        {
            var client = $"198.18.{rng.Next(1, 255)}.{rng.Next(1, 255)}";
            var sport = (ushort)rng.Next(1, 65536);
            var payload = rng.Next(0, 1460);
            byte[]? options = rng.Next(3) == 0 ? [0x01, 0x01, 0x01, 0x00] : null;
            bool udp = rng.Next(2) == 0, checksum = rng.Next(4) != 0;
            var ip = new Ip(client, Host, (byte)rng.Next(2, 256), options, Id: (ushort)rng.Next(65536));
            var into = IntoContainer(client, udp ? C2 : C1, (byte)(ip.Ttl - 1)) with { Options = options, Id = ip.Id };

            byte[] first = udp ? Udp(ip, sport, DnsPort, payload, checksum) : Tcp(ip, sport, WebPort, Syn, payload);
            byte[] expectFirst = udp ? Udp(into, sport, 53, payload, checksum) : Tcp(into, sport, 80, Syn, payload);
            AssertTranslated(Uplink(first), expectFirst);

            byte[] next = udp ? Udp(ip, sport, DnsPort, payload + 1, checksum) : Tcp(ip, sport, WebPort, Ack | Psh, payload + 1);
            byte[] expectNext = udp ? Udp(into, sport, 53, payload + 1, checksum) : Tcp(into, sport, 80, Ack | Psh, payload + 1);
            AssertTranslated(O.Run(DataPathAbi.ProgXdpUplink, next), expectNext, DpNatObject.XdpRedirect);
        }
    }
}
