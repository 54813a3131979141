using System.Buffers.Binary;

namespace Dataplane.ControlPlane.Api;

/// <summary>
/// Docker's stream multiplexing for attached streams without a terminal (moby pkg/stdcopy): each frame
/// is an 8-byte header (stream: 1 stdout, 2 stderr; three zero bytes; payload size, 32-bit big-endian)
/// followed by the payload. Our stdin goes the other way in the same frames (stream 0), ended by an
/// empty frame: a half-closed connection would end the whole upgraded connection in Kestrel.
/// </summary>
public static class StreamFrames
{
    public const byte Stdin = 0, Stdout = 1, Stderr = 2;

    public const int HeaderSize = 8;

    public static void WriteHeader(Span<byte> header, byte stream, int size)
    {
        header[..4].Clear();
        header[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)size);
    }

    /// <summary>Copies source to the connection as stdin frames, then the empty frame that ends it.</summary>
    public static async Task WriteStdinAsync(Stream source, Stream connection, CancellationToken ct)
    {
        var buffer = new byte[HeaderSize + 16 * 1024];
        int n;
        while ((n = await source.ReadAsync(buffer.AsMemory(HeaderSize), ct)) > 0)
        {
            WriteHeader(buffer, Stdin, n);
            await connection.WriteAsync(buffer.AsMemory(0, HeaderSize + n), ct);
            await connection.FlushAsync(ct);
        }
        WriteHeader(buffer, Stdin, 0);
        await connection.WriteAsync(buffer.AsMemory(0, HeaderSize), ct);
        await connection.FlushAsync(ct);
    }

    /// <summary>Reads stdin frames from the connection into destination until the empty frame (true) or the connection's end (false).</summary>
    public static async Task<bool> ReadStdinAsync(Stream connection, Stream destination, CancellationToken ct)
    {
        var header = new byte[HeaderSize];
        var buffer = new byte[16 * 1024];
        while (await ReadFullyAsync(connection, header, ct))
        {
            long left = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            if (left == 0) return true;
            while (left > 0)
            {
                int n = await connection.ReadAsync(buffer.AsMemory(0, (int)Math.Min(left, buffer.Length)), ct);
                if (n == 0) return false;
                await destination.WriteAsync(buffer.AsMemory(0, n), ct);
                left -= n;
            }
            await destination.FlushAsync(ct);
        }
        return false;
    }

    /// <summary>Reads frames until the end of <paramref name="source"/>, each payload to its stream's destination.</summary>
    public static async Task DemultiplexAsync(Stream source, Stream stdout, Stream stderr, CancellationToken ct)
    {
        var header = new byte[HeaderSize];
        var buffer = new byte[32 * 1024];
        while (true)
        {
            if (!await ReadFullyAsync(source, header, ct)) return;
            var destination = header[0] switch
            {
                Stdout => stdout,
                Stderr => stderr,
                _ => throw new InvalidDataException($"unknown stream {header[0]} in a multiplexed stream"),
            };
            long left = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            while (left > 0)
            {
                int n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(left, buffer.Length)), ct);
                if (n == 0) throw new EndOfStreamException("the multiplexed stream ended inside a frame");
                await destination.WriteAsync(buffer.AsMemory(0, n), ct);
                left -= n;
            }
            await destination.FlushAsync(ct);
        }
    }

    /// <summary>False at a clean end before the first byte; an end part-way is an error.</summary>
    private static async Task<bool> ReadFullyAsync(Stream source, byte[] into, CancellationToken ct)
    {
        int read = 0;
        while (read < into.Length)
        {
            int n = await source.ReadAsync(into.AsMemory(read), ct);
            if (n == 0)
                return read == 0 ? false : throw new EndOfStreamException("the multiplexed stream ended inside a frame header");
            read += n;
        }
        return true;
    }
}
