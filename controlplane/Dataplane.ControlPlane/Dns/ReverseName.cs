using System.Globalization;
using System.Net;
using ARSoft.Tools.Net;

namespace Dataplane.ControlPlane.Dns;

/// <summary>The address a PTR query's name stands for: d.c.b.a.in-addr.arpa or 32 nibbles of ip6.arpa.</summary>
internal static class ReverseName
{
    public static IPAddress? Parse(DomainName name)
    {
        var labels = name.Labels;
        if (labels.Length == 6 && Is(labels[4], "in-addr") && Is(labels[5], "arpa"))
        {
            var bytes = new byte[4];
            for (int i = 0; i < 4; i++)
                if (!byte.TryParse(labels[3 - i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i])) return null;
            return new IPAddress(bytes);
        }
        if (labels.Length == 34 && Is(labels[32], "ip6") && Is(labels[33], "arpa"))
        {
            var bytes = new byte[16];
            for (int nibble = 0; nibble < 32; nibble++)
            {
                var label = labels[31 - nibble];
                if (label.Length != 1 || !Uri.IsHexDigit(label[0])) return null;
                int value = Convert.ToInt32(label, 16);
                bytes[nibble / 2] |= (byte)(nibble % 2 == 0 ? value << 4 : value);
            }
            return new IPAddress(bytes);
        }
        return null;
    }

    private static bool Is(string label, string expected) => label.Equals(expected, StringComparison.OrdinalIgnoreCase);
}
