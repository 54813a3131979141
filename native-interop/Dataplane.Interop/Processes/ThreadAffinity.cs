using static Dataplane.Interop.Native.Libc;

namespace Dataplane.Interop.Processes;

/// <summary>
/// Keeps the calling OS thread on one CPU until disposed, then restores its mask. For work that reads
/// per-CPU BPF state across several calls (BPF_PROG_TEST_RUN runs a tc program on the caller's CPU).
/// </summary>
public sealed unsafe class ThreadAffinity : IDisposable
{
    private const int MaskWords = 16; // 1,024 CPUs
    private readonly ulong[] _previous = new ulong[MaskWords];

    private ThreadAffinity(int cpu)
    {
        fixed (ulong* previous = _previous)
            if (sched_getaffinity(0, MaskWords * sizeof(ulong), previous) != 0)
                throw InteropException.FromLastError("read the CPU affinity of", "this thread");
        if (cpu < 0 || cpu >= MaskWords * 64 || (_previous[cpu / 64] & (1UL << (cpu % 64))) == 0)
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "not a CPU this thread may run on");
        var mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (sched_setaffinity(0, MaskWords * sizeof(ulong), mask) != 0)
            throw InteropException.FromLastError("pin", $"this thread to CPU {cpu}");
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/>, one it may run on now.</summary>
    public static ThreadAffinity Pin(int cpu) => new(cpu);

    /// <summary>Pins the calling thread to the first CPU it may run on now.</summary>
    public static ThreadAffinity PinToFirstAllowedCpu()
    {
        var mask = stackalloc ulong[MaskWords];
        if (sched_getaffinity(0, MaskWords * sizeof(ulong), mask) != 0)
            throw InteropException.FromLastError("read the CPU affinity of", "this thread");
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0) return new ThreadAffinity(cpu);
        throw new InvalidOperationException("this thread may run on no CPU");
    }

    public void Dispose()
    {
        fixed (ulong* previous = _previous)
            sched_setaffinity(0, MaskWords * sizeof(ulong), previous);
    }
}
