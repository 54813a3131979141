using System.Globalization;

namespace Dataplane.ControlPlane.Ports;

/// <summary>An inclusive range of ports, 1-65535 each; a single port has Start == End.</summary>
public readonly record struct PortRange(int Start, int End)
{
    public static PortRange Single(int port) => new(port, port);

    public int Count => End - Start + 1;

    public bool IsSingle => Start == End;

    public bool Contains(int port) => port >= Start && port <= End;

    public override string ToString() => IsSingle
        ? Start.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Start}-{End}");

    /// <summary>Parses "N" or "N-M" (go-connections nat.ParsePortRange, plus the 1-65535 check); null when malformed.</summary>
    public static PortRange? TryParse(string text)
    {
        int dash = text.IndexOf('-');
        if (dash < 0)
            return TryParsePort(text) is { } p ? Single(p) : null;
        if (TryParsePort(text[..dash]) is not { } start || TryParsePort(text[(dash + 1)..]) is not { } end || end < start)
            return null;
        return new PortRange(start, end);
    }

    private static int? TryParsePort(string text) =>
        text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
        && int.Parse(text, CultureInfo.InvariantCulture) is var n && n is >= 1 and <= 65535 ? n : null;
}
