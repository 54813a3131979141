using System.Runtime.InteropServices;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>Map keys compared as the kernel compares them: their raw bytes, padding included.</summary>
public sealed class RawKeyComparer<TKey> : IEqualityComparer<TKey> where TKey : unmanaged
{
    public static readonly RawKeyComparer<TKey> Instance = new();

    public bool Equals(TKey a, TKey b) => Bytes(in a).SequenceEqual(Bytes(in b));

    public int GetHashCode(TKey key)
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes(in key));
        return hash.ToHashCode();
    }

    private static ReadOnlySpan<byte> Bytes(in TKey key) => MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(in key));
}
