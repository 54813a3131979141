using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>An attachment in the engine's terms: the owner, the adopted network, the endpoint and the port bindings.</summary>
public static class CniEngineSpecs
{
    public static Owner OwnerOf(string containerId, string ifName) => new(OwnerKind.Cni, $"{containerId}/{ifName}");

    public static Owner OwnerOf(CniAttachment a) => OwnerOf(a.ContainerId, a.IfName);

    /// <summary>The engine's id for a CNI network: its name, kept apart from Dataplane's and Docker's ids.</summary>
    public static string NetworkId(string network) => "cni-" + network;

    /// <summary>The CNI bridge network, from the sandbox's IPv4 address, prefix and gateway, and its IPv6
    /// side when prevResult gives the sandbox an IPv6 address with a gateway (host-local with a v6 range).</summary>
    public static NetworkSpec Network(CniAttachment a)
    {
        var (address, prefix, gateway) = Ipv4(a);
        if (gateway is null)
            throw DataplaneException.Invalid($"prevResult gives no gateway for {address}/{prefix}: the bridge plugin's isGateway (or an IPAM gateway) is needed");
        var v6 = a.Addresses.Where(c => !string.IsNullOrEmpty(c.Gateway)).Select(c => (Cidr: Parse(c), c.Gateway))
            .FirstOrDefault(c => c.Cidr.Address.AddressFamily == AddressFamily.InterNetworkV6);
        return new NetworkSpec(NetworkId(a.Network), a.Network, a.Bridge, Masked(address, prefix), prefix, gateway, Masquerade: a.Masquerade)
        {
            V6 = v6.Gateway is null ? null : new NetworkSpecV6(Masked(v6.Cidr.Address, v6.Cidr.Prefix), v6.Cidr.Prefix,
                IPAddress.TryParse(v6.Gateway, out var gw6) ? gw6 : throw DataplaneException.Invalid($"invalid gateway \"{v6.Gateway}\" for {v6.Cidr.Address}/{v6.Cidr.Prefix}")),
        };
    }

    public static EndpointSpec Endpoint(CniAttachment a)
    {
        if (!PhysicalAddress.TryParse(a.ContainerMac.Replace(':', '-'), out var mac) || mac.GetAddressBytes().Length != 6)
            throw DataplaneException.Invalid($"invalid MAC address \"{a.ContainerMac}\" for the sandbox interface {a.IfName}");
        var ipv6 = a.Addresses.Select(Parse).FirstOrDefault(p => p.Address.AddressFamily == AddressFamily.InterNetworkV6).Address;
        return new EndpointSpec(OwnerOf(a), NetworkId(a.Network), a.HostVeth, mac, Ipv4(a).Address, ipv6);
    }

    public static IReadOnlyList<PortBinding> Bindings(CniAttachment a) => a.PortMappings.Select(m =>
    {
        if (m.HostPort is < 1 or > 65535 || m.ContainerPort is < 1 or > 65535)
            throw DataplaneException.Invalid($"port mapping {m.HostPort}:{m.ContainerPort}: ports must be 1-65535");
        IPAddress? hostIp = null;
        if (!string.IsNullOrEmpty(m.HostIp) && !IPAddress.TryParse(m.HostIp, out hostIp))
            throw DataplaneException.Invalid($"port mapping {m.HostPort}:{m.ContainerPort}: hostIP \"{m.HostIp}\" is not an IP address");
        return new PortBinding(hostIp, PortRange.Single(m.HostPort), new ContainerPort(m.ContainerPort, ProtoNames.Parse(m.Protocol)));
    }).ToList();

    public static CniPortMapping ToCni(PublishedPort p) => new(p.HostPort, p.Container.Port, p.Proto.Name(), p.HostIp.ToString());

    public static PublishedPort FromCni(CniPortMapping m)
        => new(IPAddress.Parse(m.HostIp ?? "0.0.0.0"), m.HostPort, new ContainerPort(m.ContainerPort, ProtoNames.Parse(m.Protocol)));

    /// <summary>Checks everything that can be checked before any side effect.</summary>
    public static void Validate(CniAttachment a)
    {
        _ = Network(a);
        _ = Endpoint(a);
        _ = Bindings(a);
    }

    private static (IPAddress Address, int Prefix, IPAddress? Gateway) Ipv4(CniAttachment a)
    {
        foreach (var cidr in a.Addresses)
        {
            var (address, prefix) = Parse(cidr);
            if (address.AddressFamily != AddressFamily.InterNetwork) continue;
            IPAddress? gateway = null;
            if (!string.IsNullOrEmpty(cidr.Gateway) && !IPAddress.TryParse(cidr.Gateway, out gateway))
                throw DataplaneException.Invalid($"invalid gateway \"{cidr.Gateway}\" for {cidr.Cidr}");
            return (address, prefix, gateway);
        }
        throw DataplaneException.Invalid($"the sandbox interface {a.IfName} has no IPv4 address in prevResult ({string.Join(", ", a.Addresses.Select(x => x.Cidr))})");
    }

    private static (IPAddress Address, int Prefix) Parse(CniAddress cidr)
    {
        int slash = cidr.Cidr.IndexOf('/');
        if (slash > 0 && IPAddress.TryParse(cidr.Cidr[..slash], out var address)
            && int.TryParse(cidr.Cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out int prefix)
            && prefix >= 0 && prefix <= (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
            return (address, prefix);
        throw DataplaneException.Invalid($"invalid address \"{cidr.Cidr}\" in prevResult (want ADDRESS/PREFIX)");
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
