using System.Net;
using Dataplane.ControlPlane.DataPath;
using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.DataPath;

public sealed class DataPathProgramTests : IDisposable
{
    private readonly string _pins = Path.Combine(BpfFs.DefaultRoot, $"dpt-{Environment.ProcessId}-{Random.Shared.Next():x}-pins");

    public void Dispose() => DataPathProgram.RemovePins(_pins);

    private DataPathProgram Load() => DataPathProgram.Load(new DataPathOptions { PinDirectory = _pins, ConntrackEntries = 1024 }, netnsCookie: 0);

    [PrivilegedFact]
    public void Load_FromEmbeddedObject_PinsEveryMapByName()
    {
        using var dp = Load();
        foreach (var map in new[] { DataPathAbi.MapCt, DataPathAbi.MapPortmap, DataPathAbi.MapPortmapAny, DataPathAbi.MapPortmap6Any, DataPathAbi.MapEndpoints, DataPathAbi.MapNetworks, DataPathAbi.MapConfig, DataPathAbi.MapDrops })
            Assert.True(File.Exists(Path.Combine(_pins, map)), $"{map} is not pinned");
        Assert.Equal(1024, dp.Object.Map(DataPathAbi.MapCt).MaxEntries);
    }

    [PrivilegedFact]
    public void Load_Twice_SecondLoadReusesThePinnedMapsAndTheirEntries()
    {
        var mapping = Mappings.Of(7, null, DataPathAbi.ProtoTcp, 8080, IPAddress.Parse("198.19.1.2"), 80);
        using (var first = Load())
            first.Maps.AddPortMapping(mapping);

        using var second = Load(); // as a restarted daemon would
        var key = DataPathMaps.KeyOf(mapping.Port);
        Assert.True(second.Ports.TryLookup(key, out var value));
        Assert.Equal(7u, value.MappingId);
    }

    /// <summary>An earlier daemon kept ports published on every address in the hash (address 0); its pins outlive
    /// it, and the next load moves them into their slots, so they stay published.</summary>
    [PrivilegedFact]
    public void Load_EveryAddressPortInThePinnedHash_MovedIntoItsSlot()
    {
        var mapping = Mappings.Of(7, null, DataPathAbi.ProtoTcp, 8080, IPAddress.Parse("198.19.1.2"), 80);
        var key = DataPathMaps.KeyOf(mapping.Port);
        using (var first = Load())
            first.Object.Map(DataPathAbi.MapPortmap).Update(key, new PortMapValue { CtrAddrBe = NetOrder.AddrBe(IPAddress.Parse("198.19.1.2")), CtrPortBe = NetOrder.PortBe(80), MappingId = 7 });

        using var second = Load();
        Assert.False(second.Object.Map(DataPathAbi.MapPortmap).TryLookup<PortMapKey, PortMapValue>(key, out _));
        Assert.True(second.Object.Map(DataPathAbi.MapPortmapAny).TryLookup<uint, PortMapValue>(8080u, out var slot));
        Assert.Equal(7u, slot.MappingId);
        Assert.Equal([mapping], second.Maps.PortMappings());
    }

    [PrivilegedFact]
    public void PublishedPorts_SizesThePortMapAndTheCounters_IdsBeyondRefused()
    {
        using var dp = DataPathProgram.Load(new DataPathOptions { PinDirectory = _pins, ConntrackEntries = 1024, PublishedPorts = 100 }, netnsCookie: 0);
        Assert.Equal(100, dp.Object.Map(DataPathAbi.MapPortmap).MaxEntries);
        Assert.Equal(101, dp.Object.Map(DataPathAbi.MapMappingStats).MaxEntries);
        Assert.Equal(101u, dp.Maps.MappingIdLimit);
        var ctr = IPAddress.Parse("198.19.1.2");
        dp.Maps.AddPortMapping(Mappings.Of(100, null, DataPathAbi.ProtoTcp, 8080, ctr, 80));
        Assert.Equal(0UL, dp.Maps.MappingCounters(100).Packets); // the last counter slot exists
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => dp.Maps.AddPortMapping(Mappings.Of(101, null, DataPathAbi.ProtoTcp, 8081, ctr, 80)));
        Assert.Contains("mapping id 101 outside 1..100", e.Message);
    }

    [PrivilegedFact]
    public void Reload_WithOtherMapSizes_RefusedAndThePinnedMapsKept()
    {
        var mapping = Mappings.Of(7, null, DataPathAbi.ProtoTcp, 8080, IPAddress.Parse("198.19.1.2"), 80);
        using (var first = Load())
            first.Maps.AddPortMapping(mapping);

        Assert.Throws<Dataplane.Interop.InteropException>(() => DataPathProgram.Load(
            new DataPathOptions { PinDirectory = _pins, ConntrackEntries = 1024, PublishedPorts = 100 }, netnsCookie: 0));

        using var again = Load(); // the original sizes still load, with the published port
        Assert.True(again.Ports.TryLookup(DataPathMaps.KeyOf(mapping.Port), out _));
    }

    [PrivilegedFact]
    public void RemovePins_LeavesNothingInBpffs()
    {
        using (Load()) { }
        DataPathProgram.RemovePins(_pins);
        Assert.False(Directory.Exists(_pins));
    }
}
