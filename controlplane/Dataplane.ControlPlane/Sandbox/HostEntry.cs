using System.Net;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>One `--add-host NAME:IP` entry.</summary>
public sealed record HostEntry(string Name, IPAddress Address)
{
    /// <summary>Parses like docker/cli's ValidateExtraHost ("NAME:IP" or "NAME=IP"; IPv6 may be bracketed).</summary>
    public static HostEntry Parse(string value)
    {
        int sep = value.IndexOfAny(['=', ':']);
        if (sep <= 0 || sep == value.Length - 1)
            throw Bad(value, $"bad format for add-host: \"{value}\"");
        string name = value[..sep], ip = value[(sep + 1)..];
        if (ip.StartsWith('[') && ip.EndsWith(']'))
            ip = ip[1..^1];
        if (!IPAddress.TryParse(ip, out var address) || (!ip.Contains(':') && ip.Count(c => c == '.') != 3))
            throw Bad(value, $"invalid IP address in add-host: \"{ip}\"");
        return new HostEntry(name, address);
    }

    private static DataplaneException Bad(string value, string why) =>
        DataplaneException.Invalid($"invalid argument \"{value}\" for \"--add-host\" flag: {why}");
}
