using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Dataplane.ControlPlane.Ports;

/// <summary>
/// A set of port numbers 0-65535 as 65,536 bits (8 KiB): adding, removing and asking in O(1), its runs
/// read off in one pass in ascending order, and the kernel's list form ("1000-1002,8080", as
/// net.ipv4.ip_local_reserved_ports reads and writes it) both ways.
/// </summary>
public sealed class PortSet : IReadOnlyCollection<int>
{
    private const int Ports = 1 << 16;
    private readonly ulong[] _bits = new ulong[Ports / 64];

    public int Count { get; private set; }

    public bool Contains(int port) => (_bits[port >> 6] & 1UL << port) != 0;

    public bool Add(int port)
    {
        ref ulong word = ref _bits[port >> 6];
        if ((word & 1UL << port) != 0) return false;
        word |= 1UL << port;
        Count++;
        return true;
    }

    public bool Remove(int port)
    {
        ref ulong word = ref _bits[port >> 6];
        if ((word & 1UL << port) == 0) return false;
        word &= ~(1UL << port);
        Count--;
        return true;
    }

    /// <summary>The ports of either set.</summary>
    public static PortSet Union(PortSet a, PortSet b) => Combine(a, b, (x, y) => x | y);

    /// <summary>The ports of <paramref name="a"/> that <paramref name="b"/> lacks.</summary>
    public static PortSet Except(PortSet a, PortSet b) => Combine(a, b, (x, y) => x & ~y);

    /// <summary>The set's runs of consecutive ports, ascending.</summary>
    public IEnumerable<PortRange> Runs()
    {
        int port = NextWith(0, set: true);
        while (port < Ports)
        {
            int end = NextWith(port, set: false);
            yield return new PortRange(port, end - 1);
            port = NextWith(end, set: true);
        }
    }

    /// <summary>The kernel's list: ascending runs as FROM-TO, a lone port alone; an empty set is "\n" (what
    /// clears the sysctl: an empty write is refused).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var run in Runs())
            text.Append(text.Length == 0 ? "" : ",").Append(run.ToString());
        return text.Length == 0 ? "\n" : text.ToString();
    }

    /// <summary>Parses the kernel's list ("1000-1002,8080\n"; repeats and overlaps allowed).</summary>
    public static PortSet Parse(string text)
    {
        var set = new PortSet();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (from, to) = part.Split('-') is [var f, var t] ? (PortOf(f, text), PortOf(t, text)) : (PortOf(part, text), PortOf(part, text));
            for (int port = from; port <= to; port++) set.Add(port);
        }
        return set;
    }

    public IEnumerator<int> GetEnumerator()
    {
        foreach (var run in Runs())
            for (int port = run.Start; port <= run.End; port++)
                yield return port;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int PortOf(string text, string list) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port < Ports
            ? port : throw new FormatException($"'{text}' in the port list '{list.Trim()}' is not a port 0-65535");

    /// <summary>The first port from <paramref name="from"/> on that is in the set (or not), or 65,536.</summary>
    private int NextWith(int from, bool set)
    {
        for (int w = from >> 6; w < _bits.Length; w++)
        {
            ulong word = set ? _bits[w] : ~_bits[w];
            if (w == from >> 6) word &= ~0UL << from; // bits before `from` are not asked about
            if (word != 0) return w << 6 | BitOperations.TrailingZeroCount(word);
        }
        return Ports;
    }

    private static PortSet Combine(PortSet a, PortSet b, Func<ulong, ulong, ulong> op)
    {
        var set = new PortSet();
        for (int w = 0; w < set._bits.Length; w++)
        {
            set._bits[w] = op(a._bits[w], b._bits[w]);
            set.Count += BitOperations.PopCount(set._bits[w]);
        }
        return set;
    }
}
