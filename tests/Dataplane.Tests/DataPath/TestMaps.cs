using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.DataPath;

/// <summary>IBpfMap over the test loader, so DataPathMaps runs against the real kernel maps.</summary>
internal sealed class TestMap<TK, TV>(DpNatObject o, string name) : IBpfMap<TK, TV> where TK : unmanaged where TV : unmanaged
{
    public bool TryLookup(in TK key, out TV value) => o.TryLookup(name, key, out value);
    public void Update(in TK key, in TV value, MapUpdate flags = MapUpdate.Any) => o.Update(name, key, value, (ulong)flags);
    public bool Delete(in TK key) => o.Delete(name, key);
    public IReadOnlyList<TK> Keys() => o.Keys<TK>(name);
}

internal sealed class TestPerCpu<TV>(DpNatObject o, string name) : IBpfPerCpuArray<TV> where TV : unmanaged
{
    public TV[] Lookup(uint index) => o.PerCpu<TV>(name, index);
}

internal static class TestMaps
{
    public static DataPathMaps For(DpNatObject o) => new(
        new TestMap<CtKey, CtValue>(o, DataPathAbi.MapCt),
        new TestMap<SnatKey, CtKey>(o, DataPathAbi.MapSnat),
        new TestMap<PortMapKey, PortMapValue>(o, DataPathAbi.MapPortmap),
        new TestMap<EndpointKey, EndpointValue>(o, DataPathAbi.MapEndpoints),
        new TestMap<NetworkKey, NetworkValue>(o, DataPathAbi.MapNetworks),
        new TestMap<HostAddrKey, HostAddrValue>(o, DataPathAbi.MapHostAddr),
        new TestMap<IfAddrKey, IfAddrValue>(o, DataPathAbi.MapIfAddr),
        new TestMap<uint, ConfigValue>(o, DataPathAbi.MapConfig),
        new TestPerCpu<CounterValue>(o, DataPathAbi.MapMappingStats),
        new TestPerCpu<CounterValue>(o, DataPathAbi.MapDrops));
}
