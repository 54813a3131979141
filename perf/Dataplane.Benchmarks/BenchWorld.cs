using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Bpf;
using static Dataplane.Benchmarks.BenchNamespace;

namespace Dataplane.Benchmarks;

/// <summary>
/// The world the program-run suites send frames into: the real dp_nat in a namespace of its own
/// (entered by the calling thread), one masquerading network 198.19.1.0/24 with container C1, and
/// published ports 8080/tcp -> C1:80 and 5353/udp -> C1:53 on every host address.
/// </summary>
internal sealed class BenchWorld : IDisposable
{
    public const string C1 = "198.19.1.2", Gw1 = "198.19.1.1", Remote = "198.18.5.5";
    public const ushort WebPort = 8080, DnsPort = 5353;
    public const int TcActOk = 0, TcActRedirect = 7, XdpRedirect = 4;
    private static readonly byte[] C1Mac = Convert.FromHexString("0a0000000002");

    private readonly BenchNamespace _ns;

    private BenchWorld(BenchNamespace ns, BenchDataPath dp)
    {
        _ns = ns;
        DataPath = dp;
        Uplink = dp.Program.Object.Program(DataPathAbi.ProgUplinkIn);
        Veth = dp.Program.Object.Program(DataPathAbi.ProgVethIn);
        Xdp = dp.Program.Object.Program(DataPathAbi.ProgXdpUplink);
    }

    public BenchDataPath DataPath { get; }
    public BpfProgram Uplink { get; }
    public BpfProgram Veth { get; }
    public BpfProgram Xdp { get; }

    /// <summary>Puts a second thread into the world's namespace, until the result is disposed on it.</summary>
    public IDisposable EnterOtherThread() => _ns.EnterOtherThread();

    /// <summary>An ARP frame: the harness's own cost (parse Ethernet, pass).</summary>
    public static byte[] Arp()
    {
        var arp = new byte[42];
        Convert.FromHexString("ffffffffffff").CopyTo(arp, 0);
        Frames.PeerMac.CopyTo(arp, 6);
        arp[12] = 0x08; arp[13] = 0x06;
        return arp;
    }

    /// <summary>A BPF_PROG_TEST_RUN context (struct __sk_buff, 192 bytes) saying the frame arrived on C1's veth
    /// (ingress_ifindex, offset 36): dp_veth_in accepts a container's packets only from its own veth.</summary>
    public byte[] FromC1()
    {
        var ctx = new byte[192];
        BitConverter.TryWriteBytes(ctx.AsSpan(36), _ns.ContainerIfindex);
        return ctx;
    }

    /// <summary>A frame as C1 sends it: its own MAC as the source (anti-spoofing checks it).</summary>
    public static byte[] SentByC1(byte[] frame)
    {
        C1Mac.CopyTo(frame, 6);
        return frame;
    }

    public static BenchWorld Create()
    {
        var ns = BenchNamespace.Create();
        BenchDataPath? dp = null;
        try
        {
            ns.Enter();
            dp = BenchDataPath.Load();
            var maps = dp.Maps;
            maps.AddHostAddress(IPAddress.Parse(Host), (uint)ns.UplinkIfindex);
            maps.AddHostAddress(IPAddress.Parse(Gw1), (uint)ns.UplinkIfindex);
            maps.SetNetwork(IPAddress.Parse("198.19.1.0"), 24, 1, IPAddress.Parse(Gw1), NetworkFlags.Icc | NetworkFlags.Masquerade);
            maps.SetEndpoint(IPAddress.Parse(C1), (uint)ns.ContainerIfindex, 1, C1Mac, Convert.FromHexString("0a00000000fe"));
            maps.SetMasqueradeAddress(0, IPAddress.Parse(Host));
            maps.SetMasqueradeAddress((uint)ns.UplinkIfindex, IPAddress.Parse(Host));
            maps.AddPortMapping(new PortMapping(1, new PublishedPort(IPAddress.Any, WebPort, new ContainerPort(80, Proto.Tcp)), IPAddress.Parse(C1)));
            maps.AddPortMapping(new PortMapping(2, new PublishedPort(IPAddress.Any, DnsPort, new ContainerPort(53, Proto.Udp)), IPAddress.Parse(C1)));
            return new BenchWorld(ns, dp);
        }
        catch
        {
            dp?.Dispose();
            ns.Dispose();
            throw;
        }
    }

    public static void Expect(BpfTestRunResult r, int verdict, string what)
    {
        if (r.ReturnValue != verdict) throw new InvalidOperationException($"{what}: verdict {r.ReturnValue}, expected {verdict}");
    }

    public void Dispose()
    {
        try { DataPath.Dispose(); }
        finally { _ns.Dispose(); }
    }
}
