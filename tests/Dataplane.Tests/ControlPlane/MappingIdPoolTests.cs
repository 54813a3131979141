using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.Tests.ControlPlane;

public class MappingIdPoolTests
{
    [Fact]
    public void Take_RoundRobinFromOne_FreedIdNotReusedAtOnce()
    {
        var pool = new MappingIdPool(5); // ids 1..4
        Assert.Equal([1u, 2u, 3u], [pool.Take(), pool.Take(), pool.Take()]);
        pool.Release(2);
        Assert.Equal(4u, pool.Take());
        Assert.Equal(2u, pool.Take()); // wrapped: the only free one
    }

    [Fact]
    public void Wrapped_NeverHandsOutALiveId()
    {
        var pool = new MappingIdPool(100);
        var live = new HashSet<uint>();
        for (int round = 0; round < 1000; round++)
        {
            var id = pool.Take();
            Assert.True(live.Add(id), $"id {id} handed out twice");
            if (round % 3 != 0) { pool.Release(id); live.Remove(id); } // a third of them stay
            if (live.Count == 99) break;
        }
        Assert.Equal(live.Count, pool.InUse);
    }

    [Fact]
    public void Exhausted_ConflictNamingTheLimit_ReleaseMakesRoom()
    {
        var pool = new MappingIdPool(3);
        pool.Take();
        pool.Take();
        var e = Assert.Throws<DataplaneException>(() => pool.Take());
        Assert.Contains("all 2 port mapping ids are in use", e.Message);
        pool.Release(1);
        Assert.Equal(1u, pool.Take());
    }

    [Fact]
    public void Adopt_KernelIdsAreSkipped_OutOfRangeRefused()
    {
        var pool = new MappingIdPool(10);
        pool.Adopt(1);
        pool.Adopt(5);
        Assert.Equal(6u, pool.Take()); // after the highest adopted
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Adopt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Adopt(10));
    }
}
