using System.Net;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>One `--add-host NAME:IP` entry; `NAME:host-gateway` stands for the host's address as the
/// containers see it (the default bridge's gateway, as Docker's default host-gateway-ip), filled in
/// by the daemon (RunValidator).</summary>
public sealed record HostEntry(string Name, IPAddress Address, bool ToHostGateway = false)
{
    public const string HostGateway = "host-gateway";

    /// <summary>Parses like docker/cli's ValidateExtraHost ("NAME:IP" or "NAME=IP"; IPv6 may be bracketed).</summary>
    public static HostEntry Parse(string value)
    {
        int sep = value.IndexOfAny(['=', ':']);
        if (sep <= 0 || sep == value.Length - 1)
            throw Bad(value, $"bad format for add-host: \"{value}\"");
        string name = value[..sep], ip = value[(sep + 1)..];
        if (ip == HostGateway)
            return new HostEntry(name, IPAddress.Any, ToHostGateway: true);
        if (ip.StartsWith('[') && ip.EndsWith(']'))
            ip = ip[1..^1];
        if (!IPAddress.TryParse(ip, out var address) || (!ip.Contains(':') && ip.Count(c => c == '.') != 3))
            throw Bad(value, $"invalid IP address in add-host: \"{ip}\"");
        return new HostEntry(name, address);
    }

    private static DataplaneException Bad(string value, string why) =>
        DataplaneException.Invalid($"invalid argument \"{value}\" for \"--add-host\" flag: {why}");
}
