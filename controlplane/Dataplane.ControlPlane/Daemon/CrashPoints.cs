namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// A test hook: the daemon SIGKILLs itself when it reaches the step DATAPLANE_TEST_CRASH_AT names
/// (e.g. "run:ports"), so the fault suite proves, step by step and without timing luck, that a
/// restart converges from a crash anywhere in run, rm, start and an exit. Unset, each step costs one comparison.
/// </summary>
public static class CrashPoints
{
    public const string Variable = "DATAPLANE_TEST_CRASH_AT";

    private static readonly string? CrashAt = Environment.GetEnvironmentVariable(Variable);

    public static readonly string[] Run = ["run:directory", "run:namespace", "run:endpoint", "run:ports", "run:files", "run:recorded", "run:spawned", "run:running"];

    public static readonly string[] Remove = ["rm:killed", "rm:released", "rm:namespace", "rm:forgotten"];

    public static readonly string[] Start = ["start:endpoint", "start:ports", "start:spawned", "start:running"];

    /// <summary>After a container's network is released on its exit, before the exit is recorded.</summary>
    public static readonly string[] Exit = ["exit:released"];

    public static void Reach(string step)
    {
        if (CrashAt is not null && CrashAt == step)
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            self.Kill();
        }
    }
}
