using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Dataplane.Interop.Netlink;

/// <summary>One received netlink message: its header fields and the payload after nlmsghdr.</summary>
public readonly record struct NetlinkMessage(ushort Type, ushort Flags, uint Sequence, uint PortId, byte[] Payload);

/// <summary>
/// Splits what the kernel sent into messages, and a payload into attributes. Truncated or
/// inconsistent input raises <see cref="InvalidDataException"/> naming what is wrong; attributes we
/// do not know are kept, not dropped.
/// </summary>
public static class NetlinkReader
{
    public static List<NetlinkMessage> Messages(ReadOnlySpan<byte> data)
    {
        var messages = new List<NetlinkMessage>();
        while (data.Length > 0)
        {
            if (data.Length < Nl.HeaderSize)
                throw new InvalidDataException($"truncated netlink header: {data.Length} bytes left, {Nl.HeaderSize} needed");
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (length < Nl.HeaderSize || length > data.Length)
                throw new InvalidDataException($"netlink message length {length} does not fit the {data.Length} bytes received");
            messages.Add(new NetlinkMessage(
                BinaryPrimitives.ReadUInt16LittleEndian(data[4..]),
                BinaryPrimitives.ReadUInt16LittleEndian(data[6..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(data[12..]),
                data[Nl.HeaderSize..length].ToArray()));
            data = data[Math.Min(NetlinkWriter.Align(length), data.Length)..];
        }
        return messages;
    }

    /// <summary>The attributes of <paramref name="data"/> (after the family header), in order; nested ones stay raw.</summary>
    public static List<NetlinkAttribute> Attributes(ReadOnlySpan<byte> data)
    {
        var attributes = new List<NetlinkAttribute>();
        while (data.Length >= 4)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(data);
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(data[2..]) & ~Nl.NLA_F_NESTED);
            if (length < 4 || length > data.Length)
                throw new InvalidDataException($"netlink attribute {type} has length {length} but {data.Length} bytes remain");
            attributes.Add(new NetlinkAttribute(type, data[4..length].ToArray()));
            data = data[Math.Min(NetlinkWriter.Align(length), data.Length)..];
        }
        if (data.Length != 0) throw new InvalidDataException($"{data.Length} stray bytes after the last netlink attribute");
        return attributes;
    }
}

public sealed record NetlinkAttribute(ushort Type, byte[] Value)
{
    public uint U32 => Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Value) : throw Short(4);
    public ushort U16 => Value.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(Value) : throw Short(2);
    public byte U8 => Value.Length >= 1 ? Value[0] : throw Short(1);
    public string String => Encoding.UTF8.GetString(Value).TrimEnd('\0');
    public IPAddress Address => Value.Length is 4 or 16 ? new IPAddress(Value) : throw Short(4);
    public List<NetlinkAttribute> Nested => NetlinkReader.Attributes(Value);

    private InvalidDataException Short(int needed) => new($"netlink attribute {Type} has {Value.Length} bytes, {needed} needed");
}

internal static class AttributeListExtensions
{
    public static NetlinkAttribute? Find(this List<NetlinkAttribute> attributes, ushort type)
        => attributes.Find(a => a.Type == type);
}
