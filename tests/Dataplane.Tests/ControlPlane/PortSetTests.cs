using Dataplane.ControlPlane.Ports;

namespace Dataplane.Tests.ControlPlane;

/// <summary>Ports as bits, and net.ipv4.ip_local_reserved_ports as the kernel writes and reads it.</summary>
public class PortSetTests
{
    private static PortSet Of(IEnumerable<int> ports)
    {
        var set = new PortSet();
        foreach (var p in ports) set.Add(p);
        return set;
    }

    [Theory]
    [InlineData(new int[0], "\n")]
    [InlineData(new[] { 8080 }, "8080")]
    [InlineData(new[] { 10002, 8080, 10000, 10001, 8080, 5353 }, "5353,8080,10000-10002")]
    [InlineData(new[] { 0, 63, 64, 65535 }, "0,63-64,65535")]
    public void ToString_AscendingRuns(int[] ports, string expected) => Assert.Equal(expected, Of(ports).ToString());

    [Fact]
    public void Parse_KernelsList_EveryPort() => Assert.Equal([1000, 1001, 1002, 8080], PortSet.Parse("1000-1002,8080\n"));

    [Fact]
    public void Parse_NotAPort_NamesIt()
    {
        var e = Assert.Throws<FormatException>(() => PortSet.Parse("1000-70000"));
        Assert.Contains("'70000'", e.Message);
    }

    [Fact]
    public void ToStringParse_FiftyThousandPorts_OneRunBack()
    {
        var ports = Enumerable.Range(10000, 50_000).ToList();
        Assert.Equal("10000-59999", Of(ports).ToString());
        Assert.Equal(ports, PortSet.Parse("10000-59999"));
        Assert.Equal(50_000, PortSet.Parse("10000-59999").Count);
    }

    [Fact]
    public void UnionExcept_AsSets()
    {
        var a = Of([1, 2, 3, 100]);
        var b = Of([3, 4, 65535]);
        Assert.Equal([1, 2, 3, 4, 100, 65535], PortSet.Union(a, b));
        Assert.Equal([1, 2, 100], PortSet.Except(a, b));
        Assert.Equal(3, PortSet.Except(a, b).Count);
    }

    [FsCheck.Xunit.Property]
    public bool AddRemove_AnySequence_SameAsAHashSet(ushort[] adds, ushort[] removes)
    {
        var set = new PortSet();
        var reference = new HashSet<int>();
        foreach (var p in adds ?? []) Assert.Equal(reference.Add(p), set.Add(p));
        foreach (var p in removes ?? []) Assert.Equal(reference.Remove(p), set.Remove(p));
        var runs = set.Runs().ToList();
        return set.SequenceEqual(reference.Order()) && set.Count == reference.Count
            && runs.Zip(runs.Skip(1)).All(r => r.First.End + 1 < r.Second.Start) // runs are maximal and apart
            && PortSet.Parse(set.ToString()).SequenceEqual(set)
            && (adds ?? []).Concat(removes ?? []).All(p => set.Contains(p) == reference.Contains(p));
    }
}
