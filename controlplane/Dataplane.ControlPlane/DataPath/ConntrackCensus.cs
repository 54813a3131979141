namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// One conntrack table's entries counted in one walk (a scrape's view of a full table, without copying
/// it): by IP protocol number and state (ByProtoState[proto][state &amp; 15]), and the masqueraded flows,
/// each holding a source port towards its remote end (counted by their original entry).
/// </summary>
public sealed class ConntrackCensus
{
    public int Total { get; private set; }
    public Dictionary<byte, int[]> ByProtoState { get; } = [];
    public int Masqueraded { get; private set; }

    public void Add(byte proto, byte state, byte flags)
    {
        Total++;
        if (!ByProtoState.TryGetValue(proto, out var byState)) ByProtoState[proto] = byState = new int[16];
        byState[state & 15]++;
        if (((CtFlags)flags & (CtFlags.Snat | CtFlags.Reply)) == CtFlags.Snat) Masqueraded++;
    }

    public void Deconstruct(out int total, out Dictionary<byte, int[]> byProtoState, out int masqueraded)
        => (total, byProtoState, masqueraded) = (Total, ByProtoState, Masqueraded);
}
