namespace Dataplane.Tests.Support;

/// <summary>Waits on a real condition (never a fixed sleep): polls it until true or the deadline, then fails naming what never happened.</summary>
public static class Wait
{
    public static void Until(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"{what}: not after {timeoutMs} ms");
            Thread.Sleep(10); // the poll interval, not a guess at how long something takes
        }
    }
}
