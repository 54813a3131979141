using Dataplane.Interop;

namespace Dataplane.ControlPlane.DataPath;

/// <summary>
/// Publishing and unpublishing many ports in either family's port table. Publishing is all or nothing: no
/// key twice in the batch, none already published (both checked before anything is written), then the
/// table's write (one BPF_MAP_UPDATE_BATCH of the one-address ports, a store per every-address slot); a
/// write the kernel refuses part-way (e.g. a full hash) removes what was written before it throws.
/// </summary>
/// <remarks>The kernel's batch update has no BPF_NOEXIST (elem_flags other than BPF_F_LOCK are EINVAL),
/// so "not yet published" is checked here and the batch writes create-or-replace. The check and the write
/// hold the caller's lock, so that facade's own writers cannot slip in between; a second writer of the
/// same pinned map outside it could.</remarks>
public static class PortMapBatch
{
    /// <param name="twice">The error for keys[second] repeating keys[first].</param>
    /// <param name="taken">The error for keys[i] already published.</param>
    public static void Publish<TKey, TValue>(PortTable<TKey, TValue> map, Lock gate, string mapName, TKey[] keys, TValue[] values,
        Func<int, int, Exception> twice, Func<int, Exception> taken)
        where TKey : unmanaged where TValue : unmanaged
    {
        int n = keys.Length;
        if (n == 0) return;
        var index = new Dictionary<TKey, int>(RawKeyComparer<TKey>.Instance);
        if (map.FirstRepeat(keys, index) is var (first, second))
            throw twice(first, second);

        lock (gate)
        {
            if (n == 1)
            {
                // One key: the kernel's own NOEXIST check, one syscall.
                try
                {
                    map.Update(keys[0], values[0], MapUpdate.NoExist);
                }
                catch (InteropException e) when (e.Errno == Errno.EEXIST)
                {
                    throw taken(0);
                }
                return;
            }

            int published = map.FirstPublished(keys, index);
            if (published >= 0) throw taken(published);
            try
            {
                map.UpdateBatch(keys, values);
            }
            catch (InteropException e)
            {
                // None of the keys was there before the write (checked above, under the lock): every
                // one found now is ours. The kernel wrote a prefix; deleting all of them removes it.
                string undo;
                try
                {
                    undo = $"the {map.DeleteBatch(keys)} written before it were removed, nothing was published";
                }
                catch (Exception u)
                {
                    undo = $"removing the ones written before it failed too ({u.Message}); some may stay published";
                }
                throw new InteropException("publish ports", mapName, e.Errno, $"the kernel refused one of {n} mappings part-way ({e.Message}); {undo}");
            }
        }
    }

    /// <summary>Deletes the ports' keys and returns the mapping ids the kernel held for them (the caller's id
    /// where a key was gone already: an earlier daemon's id after a restart is the kernel's), whose flows the
    /// caller flushes. Id 0 tags the flows of no mapping (masquerade) and is never returned.</summary>
    public static HashSet<uint> Unpublish<TKey, TValue>(IBpfMap<TKey, TValue> map, IEnumerable<(TKey Key, uint Id)> ports, Func<TValue, uint> idOf)
        where TKey : unmanaged where TValue : unmanaged
    {
        var ids = new HashSet<uint>();
        foreach (var (key, id) in ports)
        {
            var held = map.TryLookup(key, out var published) ? idOf(published) : id;
            if (held != 0) ids.Add(held);
            map.Delete(key);
        }
        return ids;
    }
}
