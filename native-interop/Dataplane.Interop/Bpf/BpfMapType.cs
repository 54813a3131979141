namespace Dataplane.Interop.Bpf;

/// <summary>enum bpf_map_type values this project meets.</summary>
public enum BpfMapType
{
    Unspec = 0,
    Hash = 1,
    Array = 2,
    ProgArray = 3,
    PerfEventArray = 4,
    PerCpuHash = 5,
    PerCpuArray = 6,
    LruHash = 9,
    LruPerCpuHash = 10,
    LpmTrie = 11,
    DevMap = 14,
    SkStorage = 24,
    DevMapHash = 25,
    RingBuf = 27,
}

/// <summary>BPF_ANY / BPF_NOEXIST / BPF_EXIST.</summary>
public enum BpfUpdate : ulong
{
    Any = 0,
    NoExist = 1,
    Exist = 2,
}
