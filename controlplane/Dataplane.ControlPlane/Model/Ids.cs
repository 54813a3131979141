using System.Security.Cryptography;

namespace Dataplane.ControlPlane.Model;

/// <summary>Docker-style identifiers: 64 lowercase hex characters, shown as their first 12.</summary>
public static class Ids
{
    public const int ShortLength = 12;

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>A fixed id for a network that is a mode, not a record (host, none): the same in every listing.</summary>
    public static string Predefined(string name) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("dataplane-network-" + name)));

    public static string Short(string id) => id.Length <= ShortLength ? id : id[..ShortLength];

    public static bool IsHexPrefix(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
