using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Dataplane.Interop.Netlink;

namespace Dataplane.Benchmarks;

/// <summary>rtnetlink messages as the control plane builds and parses them (no socket, no kernel).</summary>
[ShortRunJob, MemoryDiagnoser]
public class NetlinkBenchmarks
{
    private static readonly PhysicalAddress Mac = PhysicalAddress.Parse("02-00-00-00-aa-01"), PeerMac = PhysicalAddress.Parse("02-00-00-00-aa-02");
    private static readonly IPAddress Address = IPAddress.Parse("198.19.1.1");
    private readonly byte[] _buffer = new byte[1024];
    private byte[] _linkDump = [];

    /// <summary>Links in the dump buffer: a host with a few dozen veths.</summary>
    [Params(64)]
    public int Links { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // What RTM_GETLINK with NLM_F_DUMP returns: one RTM_NEWLINK per link (ifinfomsg, name, MTU,
        // MAC, master, linkinfo/kind), then NLMSG_DONE.
        var dump = new List<byte>();
        Span<byte> one = stackalloc byte[512];
        for (int i = 0; i < Links; i++)
        {
            var w = new NetlinkWriter(one);
            w.Header(Nl.RTM_NEWLINK, Nl.NLM_F_MULTI, 7);
            w.Struct(new IfInfoMsg { Index = 10 + i, Flags = Nl.IFF_UP });
            w.String(Nl.IFLA_IFNAME, $"dpveth{i:x8}");
            w.U32(Nl.IFLA_MTU, 1500);
            w.Attribute(Nl.IFLA_ADDRESS, Mac.GetAddressBytes());
            w.U32(Nl.IFLA_MASTER, 3);
            w.U8(Nl.IFLA_OPERSTATE, 6);
            int info = w.BeginNested(Nl.IFLA_LINKINFO);
            w.String(Nl.IFLA_INFO_KIND, "veth");
            w.EndNested(info);
            dump.AddRange(w.Finish());
        }
        var done = new NetlinkWriter(one);
        done.Header(Nl.NLMSG_DONE, Nl.NLM_F_MULTI, 7);
        done.U32(0, 0);
        dump.AddRange(done.Finish());
        _linkDump = [.. dump];
    }

    [Benchmark(Description = "encode RTM_NEWLINK veth pair")]
    public int EncodeVethCreate()
    {
        var w = new NetlinkWriter(_buffer);
        w.Header(Nl.RTM_NEWLINK, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, 1);
        RtNetlink.VethMessage(ref w, "dpv1a2b3c4d", "eth0", 9, Mac, PeerMac, 1500);
        return w.Finish().Length;
    }

    [Benchmark(Description = "encode RTM_NEWADDR")]
    public int EncodeAddressAdd()
    {
        var w = new NetlinkWriter(_buffer);
        w.Header(Nl.RTM_NEWADDR, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, 2);
        w.Struct(new IfAddrMsg { Family = Nl.AF_INET, PrefixLen = 24, Index = 5 });
        w.Address(Nl.IFA_LOCAL, Address);
        w.Address(Nl.IFA_ADDRESS, Address);
        w.Address(Nl.IFA_BROADCAST, IPAddress.Parse("198.19.1.255"));
        return w.Finish().Length;
    }

    /// <summary>Splits the dump and reads each link as RtNetlink.ListLinks does (name, MTU, MAC, master, kind).</summary>
    [Benchmark(Description = "decode link dump (64 links)")]
    public int DecodeLinkDump()
    {
        int sum = 0;
        foreach (var msg in NetlinkReader.Messages(_linkDump))
        {
            if (msg.Type != Nl.RTM_NEWLINK) continue;
            var header = MemoryMarshal.Read<IfInfoMsg>(msg.Payload);
            var attrs = NetlinkReader.Attributes(msg.Payload.AsSpan(16));
            var name = attrs.Find(Nl.IFLA_IFNAME)?.String ?? "";
            var kind = attrs.Find(Nl.IFLA_LINKINFO)?.Nested.Find(Nl.IFLA_INFO_KIND)?.String;
            var mac = attrs.Find(Nl.IFLA_ADDRESS) is { Value.Length: 6 } a ? new PhysicalAddress(a.Value) : null;
            var mtu = attrs.Find(Nl.IFLA_MTU)?.U32 ?? 0;
            var master = attrs.Find(Nl.IFLA_MASTER)?.U32 ?? 0;
            sum += header.Index + name.Length + (kind?.Length ?? 0) + (mac is null ? 0 : 1) + (int)mtu + (int)master;
        }
        return sum;
    }
}
