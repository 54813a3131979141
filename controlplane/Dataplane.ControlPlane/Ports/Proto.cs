namespace Dataplane.ControlPlane.Ports;

public enum Proto
{
    Tcp,
    Udp,
}

public static class ProtoNames
{
    public static string Name(this Proto proto) => proto == Proto.Tcp ? "tcp" : "udp";

    /// <summary>A port of a protocol as one int (port * 2 + protocol), for tables keyed by it: they stay
    /// on the runtime's precompiled Dictionary&lt;int, T&gt; (no JIT on a cold daemon).</summary>
    public static int PortKey(this Proto proto, int port) => port << 1 | (int)proto;

    /// <summary>Parses a protocol name like Docker (case-insensitive); sctp is recognised but refused.</summary>
    public static Proto Parse(string text) => text.ToLowerInvariant() switch
    {
        "tcp" => Proto.Tcp,
        "udp" => Proto.Udp,
        "sctp" => throw DataplaneException.Invalid("invalid proto: sctp is not supported (only tcp and udp)"),
        _ => throw DataplaneException.Invalid($"Invalid proto: {text}"),
    };
}
