using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ARSoft.Tools.Net.Dns;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Dns;

/// <summary>
/// A client that asks one question from inside a namespace over a socket it creates there, its query
/// written byte by byte here (independent of the resolver's library), its answer parsed by the library.
/// </summary>
public static class DnsProbe
{
    public static DnsMessage Ask(NetworkNamespace ns, string name, RecordType type, bool tcp = false, string server = "127.0.0.11", int timeoutMs = 15_000)
        => ns.Run(() => Ask(name, type, tcp, IPAddress.Parse(server), timeoutMs));

    public static DnsMessage Ask(string name, RecordType type, bool tcp, IPAddress server, int timeoutMs)
    {
        var query = Query((ushort)Random.Shared.Next(1, 65535), name, type);
        var target = new IPEndPoint(server, 53);
        byte[] answer;
        if (tcp)
        {
            using var s = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = timeoutMs, SendTimeout = timeoutMs };
            s.Connect(target);
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            s.Send(framed);
            var length = ReadExactly(s, 2);
            answer = ReadExactly(s, BinaryPrimitives.ReadUInt16BigEndian(length));
        }
        else
        {
            using var s = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = timeoutMs };
            s.Connect(target);
            s.Send(query);
            var buffer = new byte[65535];
            answer = buffer[..s.Receive(buffer)];
        }
        var message = DnsMessage.Parse(answer);
        if (message.TransactionID != BinaryPrimitives.ReadUInt16BigEndian(query)) throw new InvalidOperationException("the answer carries another transaction id");
        return message;
    }

    /// <summary>A standard query with recursion desired and one question.</summary>
    public static byte[] Query(ushort id, string name, RecordType type)
    {
        var bytes = new List<byte>();
        bytes.AddRange([(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.Add(0);
        bytes.AddRange([(byte)((ushort)type >> 8), (byte)type, 0, 1]);
        return [.. bytes];
    }

    private static byte[] ReadExactly(Socket s, int count)
    {
        var buffer = new byte[count];
        for (int got = 0; got < count;)
        {
            int n = s.Receive(buffer, got, count - got, SocketFlags.None);
            if (n == 0) throw new IOException("the server closed the connection");
            got += n;
        }
        return buffer;
    }

    /// <summary>The addresses of the A or AAAA records of an answer, as text.</summary>
    public static IReadOnlyList<string> Addresses(DnsMessage m) =>
        m.AnswerRecords.Select(r => r switch { ARecord a => a.Address.ToString(), AaaaRecord a => a.Address.ToString(), _ => null }).OfType<string>().Order().ToList();
}
