using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.DataPath;

/// <summary>The sweeper's adaptive schedule (ConntrackGc.Next) and its record of runs.</summary>
public sealed class ConntrackGcTests
{
    private static readonly TimeSpan Ten = TimeSpan.FromSeconds(10);

    [Fact]
    public void Next_FewExpired_IntervalGrowsByHalf() => Assert.Equal(TimeSpan.FromSeconds(15), ConntrackGc.Next(Ten, removed: 1, entries: 1000, fullest: 0.01));

    [Fact]
    public void Next_ManyExpired_IntervalShrinksByTheShare() => Assert.Equal(TimeSpan.FromSeconds(7), ConntrackGc.Next(Ten, removed: 300, entries: 1000, fullest: 0.01));

    [Fact]
    public void Next_MostExpired_IntervalAtLeastHalved() => Assert.Equal(TimeSpan.FromSeconds(5), ConntrackGc.Next(Ten, removed: 900, entries: 1000, fullest: 0.01));

    [Fact]
    public void Next_BetweenFiveAndTwentyFivePercent_IntervalKept() => Assert.Equal(Ten, ConntrackGc.Next(Ten, removed: 100, entries: 1000, fullest: 0.01));

    [Fact]
    public void Next_TableOverNinetyPercentAfterTheSweep_Minimum() => Assert.Equal(ConntrackGc.MinInterval, ConntrackGc.Next(Ten, removed: 0, entries: 950, fullest: 0.95));

    [Fact]
    public void Next_EmptyTable_GrowsUpToTheMaximum()
    {
        var interval = Ten;
        for (int i = 0; i < 20; i++) interval = ConntrackGc.Next(interval, 0, 0, 0);
        Assert.Equal(ConntrackGc.MaxInterval, interval);
    }

    [Fact]
    public void Next_ChurningTable_ShrinksDownToTheMinimum()
    {
        var interval = Ten;
        for (int i = 0; i < 20; i++) interval = ConntrackGc.Next(interval, 500, 1000, 0.01);
        Assert.Equal(ConntrackGc.MinInterval, interval);
    }

    [Fact]
    public void Run_RecordsRunsDeletedAndTheNextInterval()
    {
        var gc = new ConntrackGc(_ => new ConntrackSweep(Removed: 400, Walked: 1000, Fullest: 0.01), refused: () => 0);

        Assert.Equal(400, gc.Run(123));
        gc.Run(456);

        Assert.Equal((2L, 800L, 1000L), (gc.Runs, gc.Deleted, gc.LastEntries));
        Assert.Equal(TimeSpan.FromSeconds(3.6), gc.Interval); // 10 s x 0.6 x 0.6
        Assert.True(gc.TotalSeconds >= gc.LastSeconds);
    }

    [Fact]
    public async Task RunAsync_FlowRefusedForAFullTable_SweepsBeforeTheInterval()
    {
        ulong refused = 0;
        var swept = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gc = new ConntrackGc(_ => new ConntrackSweep(Removed: 7, Walked: 1000, Fullest: 0.5), () => refused);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var loop = gc.RunAsync(removed => swept.TrySetResult(removed), cts.Token);

        await Task.Delay(ConntrackGc.PressureProbe * 1.5);
        Assert.Equal(0, gc.Runs); // the 10 s interval has not passed and nothing was refused
        refused = 3;

        Assert.Equal(7, await swept.Task.WaitAsync(ConntrackGc.PressureProbe * 3));
        Assert.Equal(1, gc.Runs);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
