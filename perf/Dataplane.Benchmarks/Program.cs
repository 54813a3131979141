using BenchmarkDotNet.Running;

namespace Dataplane.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["kernel-ns"])
            NewFlowBenchmarks.PrintKernelTimes(); // the new-flow cases in the kernel's own time, ns a packet
        else
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
