namespace Dataplane.ControlPlane.DataPath;

/// <summary>Sizes and knobs fixed when the data path is loaded.</summary>
public sealed record DataPathOptions
{
    /// <summary>bpffs directory of this instance: maps are pinned here so the data path outlives the daemon.</summary>
    public required string PinDirectory { get; init; }

    /// <summary>Conntrack entries (a flow uses two). A full table refuses new flows, never evicts.</summary>
    public uint ConntrackEntries { get; init; } = DataPathAbi.CtMaxDefault;

    /// <summary>IPv6 conntrack entries (dp_ct6, its own table: a flow uses two).</summary>
    public uint Conntrack6Entries { get; init; } = DataPathAbi.Ct6MaxDefault;

    /// <summary>Published ports the maps hold, every container's together; mapping ids run 1..this.
    /// Each costs a per-CPU counter slot (16 bytes a CPU) besides its dp_portmap entry.</summary>
    public uint PublishedPorts { get; init; } = DataPathAbi.MappingIdMax - 1;

    /// <summary>Masquerade source ports; keep them out of the host's ephemeral range and published ports.</summary>
    public ushort SnatPortMin { get; init; } = DataPathAbi.SnatPortMinDefault;
    public ushort SnatPortMax { get; init; } = DataPathAbi.SnatPortMaxDefault;

    public ConntrackTimeouts ConntrackTimeouts { get; init; } = new();
}
