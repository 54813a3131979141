namespace Dataplane.Interop.Bpf;

/// <summary>What to decide before an object is loaded.</summary>
public sealed record BpfObjectOptions
{
    /// <summary>Directory where maps declared with LIBBPF_PIN_BY_NAME are pinned and, on a later load, reused.</summary>
    public string? PinRootPath { get; init; }

    /// <summary>Kernel verifier log level (0 = only on failure, which libbpf then prints).</summary>
    public uint KernelLogLevel { get; init; }
}
