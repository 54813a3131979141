using System.Net;

namespace Dataplane.ControlPlane.Ipam;

/// <summary>Docker's deterministic container MAC: 02:42 followed by the four bytes of the IPv4 address.</summary>
public static class MacAddresses
{
    public static string FromIpv4(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        if (b.Length != 4)
            throw DataplaneException.Invalid($"not an IPv4 address: {ip}");
        return $"02:42:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}";
    }
}
