using System.Runtime.InteropServices;
using Dataplane.Interop.Bpf;

namespace Dataplane.Tests.Interop.Bpf;

/// <summary>The test-only BPF objects (tests/bpf) copied beside the test binary, and their C layouts.</summary>
internal static class TestObjects
{
    public static string Counter => PathOf("dp_test_counter");
    public static string Reject => PathOf("dp_test_reject");

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "bpf", name + ".bpf.o");

    public const string XdpProgram = "dp_test_xdp", TcProgram = "dp_test_tc", Connect4Program = "dp_test_connect4";
    public const string HooksMap = "dp_test_hooks", ProtosMap = "dp_test_protos";
    public const uint HookXdp = 0, HookTc = 1, HookConnect4 = 2;

    /// <summary>Opens and loads the counter object; with <paramref name="tcVerdict"/> its .rodata knob is set first.</summary>
    public static BpfObject LoadCounter(int? tcVerdict = null, string? pinRoot = null)
    {
        var obj = BpfObject.Open(Counter, new BpfObjectOptions { PinRootPath = pinRoot });
        try
        {
            if (tcVerdict is int verdict)
            {
                var rodata = obj.Maps.Single(m => m.Name.EndsWith(".rodata", StringComparison.Ordinal));
                var bytes = rodata.GetInitialValue();
                BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), verdict); // dp_test_tc_verdict is the only .rodata variable
                rodata.SetInitialValue(bytes);
            }
            obj.Load();
            return obj;
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Ethernet + IPv4 + UDP, 198.18.0.2 -> 198.18.0.1, no checksums needed by the counter.</summary>
    public static byte[] UdpFrame(int payload = 18)
    {
        var f = new byte[14 + 20 + 8 + payload];
        f[12] = 0x08; f[13] = 0x00;                  // EtherType IPv4
        f[14] = 0x45; f[22] = 64; f[23] = 17;         // version/IHL, TTL, UDP
        var total = (ushort)(20 + 8 + payload);
        f[16] = (byte)(total >> 8); f[17] = (byte)total;
        f[26] = 198; f[27] = 18; f[28] = 0; f[29] = 2;
        f[30] = 198; f[31] = 18; f[32] = 0; f[33] = 1;
        f[34] = 0x9c; f[35] = 0x40; f[36] = 0x00; f[37] = 0x35; // 40000 -> 53
        var udpLen = (ushort)(8 + payload);
        f[38] = (byte)(udpLen >> 8); f[39] = (byte)udpLen;
        return f;
    }
}

[StructLayout(LayoutKind.Sequential)]
internal struct TestCounter
{
    public ulong Packets;
    public ulong Bytes;
}

[StructLayout(LayoutKind.Sequential)]
internal struct TestProtoKey
{
    public uint Hook;
    public byte Proto;
    private byte _pad0, _pad1, _pad2;

    public TestProtoKey(uint hook, byte proto)
    {
        Hook = hook;
        Proto = proto;
    }
}
