namespace Dataplane.Cli.Commands;

/// <summary>
/// Docker reads host port 0 as "any free port" (`-p 0:80`, `-p 127.0.0.1:0:80`), the same as leaving it
/// out (`-p 80`, `-p 127.0.0.1::80`). Our port syntax (ControlPlane's PortSpecParser) refuses 0, so the CLI
/// sends the equivalent form; once the parser accepts 0 itself this translation can go.
/// </summary>
public static class PublishSpec
{
    public static string ZeroHostPortAsAny(string spec)
    {
        int lastColon = spec.LastIndexOf(':');
        if (lastColon <= 0)
            return spec;
        string host = spec[..lastColon];
        string container = spec[(lastColon + 1)..];
        int ipEnd = host.EndsWith(']') ? -1 : host.LastIndexOf(':');
        string ip = ipEnd < 0 ? (host.EndsWith(']') ? host : "") : host[..ipEnd];
        string hostPort = ipEnd < 0 ? (host.EndsWith(']') ? "" : host) : host[(ipEnd + 1)..];
        if (hostPort != "0")
            return spec;
        return ip.Length == 0 ? container : $"{ip}::{container}";
    }
}
