using System.Net;
using System.Net.NetworkInformation;

namespace Dataplane.ControlPlane.Ipam;

/// <summary>Container MAC addresses as Docker makes and prints them.</summary>
public static class Macs
{
    /// <summary>Docker's rule: 02:42 followed by the IPv4 address (172.17.0.2 -> 02:42:ac:11:00:02).</summary>
    public static PhysicalAddress FromIPv4(IPAddress address)
    {
        var ip = address.GetAddressBytes();
        if (ip.Length != 4) throw DataplaneException.Invalid($"not an IPv4 address: {address}");
        return new PhysicalAddress([0x02, 0x42, ip[0], ip[1], ip[2], ip[3]]);
    }

    /// <summary>"02:42:ac:11:00:02", as `docker inspect` prints it.</summary>
    public static string Format(PhysicalAddress mac) => string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
