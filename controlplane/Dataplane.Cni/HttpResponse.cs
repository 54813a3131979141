using System.Globalization;
using System.Text;

namespace Dataplane.Cni;

/// <summary>Parses a whole HTTP/1.1 response read until the server closed: status, and the body (chunked or not).</summary>
internal static class HttpResponse
{
    public static (int Status, byte[] Body) Parse(byte[] response, string from)
    {
        int end = response.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
            throw Malformed(from, "no end of headers");
        var lines = Encoding.ASCII.GetString(response, 0, end).Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status))
            throw Malformed(from, $"bad status line \"{lines[0]}\"");
        bool chunked = lines.Skip(1).Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)
                                              && l.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var body = response.AsSpan(end + 4);
        return (status, chunked ? Dechunk(body, from) : body.ToArray());
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body, string from)
    {
        using var result = new MemoryStream();
        while (true)
        {
            int lineEnd = body.IndexOf("\r\n"u8);
            if (lineEnd < 0)
                throw Malformed(from, "truncated chunk size");
            var sizeText = Encoding.ASCII.GetString(body[..lineEnd]).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int size) || size < 0)
                throw Malformed(from, $"bad chunk size \"{sizeText}\"");
            body = body[(lineEnd + 2)..];
            if (size == 0)
                return result.ToArray();
            if (body.Length < size + 2)
                throw Malformed(from, "truncated chunk");
            result.Write(body[..size]);
            body = body[(size + 2)..];
        }
    }

    private static CniException Malformed(string from, string what)
        => new(CniCode.IoFailure, $"the daemon at {from} sent a malformed HTTP response: {what}");
}
