using Dataplane.Interop;
using Dataplane.Interop.Bpf;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.Interop.Bpf;

public sealed class BpfMapTests : IDisposable
{
    private readonly BpfObject _obj;
    private BpfMap Protos => _obj.Map(TestObjects.ProtosMap);

    public BpfMapTests()
    {
        _obj = Privileges.IsRoot ? TestObjects.LoadCounter() : BpfObject.Open(TestObjects.Counter);
    }

    public void Dispose() => _obj.Dispose();

    [PrivilegedFact]
    public void UpdateLookupDelete_RoundTripsAndMissingKeyIsNotAnError()
    {
        var key = new TestProtoKey(7, 6);
        Assert.False(Protos.TryLookup<TestProtoKey, ulong>(key, out _));
        Protos.Update(key, 42UL);
        Assert.Equal(42UL, Protos.Lookup<TestProtoKey, ulong>(key));
        Assert.True(Protos.Delete(key));
        Assert.False(Protos.Delete(key));
        Assert.Equal(Errno.ENOENT, Assert.Throws<InteropException>(() => Protos.Lookup<TestProtoKey, ulong>(key)).Errno);
    }

    [PrivilegedFact]
    public void Update_NoExistOnPresentKey_ThrowsEexist()
    {
        var key = new TestProtoKey(1, 1);
        Protos.Update(key, 1UL, BpfUpdate.NoExist);
        var ex = Assert.Throws<InteropException>(() => Protos.Update(key, 2UL, BpfUpdate.NoExist));
        Assert.Equal(Errno.EEXIST, ex.Errno);
        Assert.Contains(TestObjects.ProtosMap, ex.Message);
        Assert.Equal(1UL, Protos.Lookup<TestProtoKey, ulong>(key));
    }

    [PrivilegedFact]
    public void Update_WrongKeySize_ThrowsNamingBothSizesAndChangesNothing()
    {
        var ex = Assert.Throws<InteropException>(() => Protos.Update(7u, 1UL));
        Assert.Contains("key type UInt32 is 4 bytes but the map's key is 8 bytes", ex.Message);
        Assert.Contains(TestObjects.ProtosMap, ex.Message);
        var wrongValue = Assert.Throws<InteropException>(() => Protos.Update(new TestProtoKey(1, 2), 1u));
        Assert.Contains("value type UInt32 is 4 bytes but the map's value is 8 bytes", wrongValue.Message);
        Assert.Empty(Protos.Keys<TestProtoKey>());
    }

    [PrivilegedFact]
    public void Lookup_PerCpuMapThroughScalarApi_ThrowsPointingToPerCpuOps()
    {
        var hooks = _obj.Map(TestObjects.HooksMap);
        var ex = Assert.Throws<InteropException>(() => hooks.Lookup<uint, TestCounter>(0));
        Assert.Contains("per-CPU", ex.Message);
        Assert.Equal(BpfMap.PossibleCpus, hooks.LookupPerCpu<uint, TestCounter>(0).Length);
    }

    [PrivilegedFact]
    public void BatchOps_WriteReadAndDeleteManyEntries()
    {
        var keys = Enumerable.Range(0, 600).Select(i => new TestProtoKey((uint)i, 17)).ToArray();
        var values = Enumerable.Range(0, 600).Select(i => (ulong)i * 3).ToArray();

        Protos.UpdateBatch<TestProtoKey, ulong>(keys, values);
        var entries = Protos.Entries<TestProtoKey, ulong>();
        Assert.Equal(600, entries.Count);
        Assert.All(entries, e => Assert.Equal(e.Key.Hook * 3UL, e.Value));
        Assert.Equal(600, Protos.Keys<TestProtoKey>().Count);

        Assert.Equal(300, Protos.DeleteBatch<TestProtoKey>(keys.AsSpan(0, 300)));
        Assert.Equal(300, Protos.Entries<TestProtoKey, ulong>().Count);
        // Keys already gone are skipped, not an error.
        Assert.Equal(300, Protos.DeleteBatch<TestProtoKey>(keys));
        Assert.Empty(Protos.Keys<TestProtoKey>());
    }

    [PrivilegedFact]
    public void DeleteBatch_MissingKeysAnywhere_SkippedAndEveryOtherOneDeleted()
    {
        var keys = Enumerable.Range(0, 600).Select(i => new TestProtoKey((uint)i, 17)).ToArray();
        Protos.UpdateBatch<TestProtoKey, ulong>(keys, new ulong[600]);
        TestProtoKey Missing(uint i) => new(10_000 + i, 17);
        TestProtoKey[] batch = [Missing(0), .. keys[..100], Missing(1), Missing(2), .. keys[100..300], Missing(3)];

        Assert.Equal(300, Protos.DeleteBatch<TestProtoKey>(batch));
        var left = Protos.Keys<TestProtoKey>();
        Assert.Equal(300, left.Count);
        Assert.All(left, k => Assert.InRange(k.Hook, 300u, 599u));
    }

    [PrivilegedFact]
    public void SetMaxEntries_AfterLoad_IsRefused()
    {
        Assert.Throws<InvalidOperationException>(() => Protos.SetMaxEntries(10));
    }

    [Fact]
    public void SetMaxEntries_BeforeLoad_IsReported()
    {
        using var obj = BpfObject.Open(TestObjects.Counter);
        obj.Map(TestObjects.ProtosMap).SetMaxEntries(10);
        Assert.Equal(10, obj.Map(TestObjects.ProtosMap).MaxEntries);
    }

    [PrivilegedFact]
    public void PinAndOpenPinned_SeeTheSameMapAndPinDirIsRemoved()
    {
        BpfFs.EnsureMounted();
        var dir = BpfFs.CreatePinDirectory(Path.Combine(BpfFs.DefaultRoot, $"dpt-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]));
        try
        {
            var pin = Path.Combine(dir, TestObjects.ProtosMap);
            Protos.Pin(pin);
            using (var pinned = BpfMap.OpenPinned(pin))
            {
                Assert.Equal(TestObjects.ProtosMap, pinned.Name);
                Assert.Equal(BpfMapType.Hash, pinned.Type);
                Assert.Equal(8, pinned.KeySize);
                pinned.Update(new TestProtoKey(9, 9), 99UL);
            }
            Assert.Equal(99UL, Protos.Lookup<TestProtoKey, ulong>(new TestProtoKey(9, 9)));
            BpfMap.Unpin(pin);
            Assert.False(File.Exists(pin));
            Assert.Equal(Errno.ENOENT, Assert.Throws<InteropException>(() => BpfMap.OpenPinned(pin)).Errno);
        }
        finally
        {
            BpfFs.RemovePinDirectory(dir);
        }
        Assert.False(Directory.Exists(dir));
    }

    [PrivilegedFact]
    public void Pin_OutlivesTheObject_ReopenedMapKeepsItsEntries()
    {
        BpfFs.EnsureMounted();
        var dir = BpfFs.CreatePinDirectory(Path.Combine(BpfFs.DefaultRoot, $"dpt-{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]));
        try
        {
            var pin = Path.Combine(dir, "protos");
            Protos.Update(new TestProtoKey(3, 3), 33UL);
            Protos.Pin(pin);
            _obj.Dispose(); // the object and its fds are gone; the pin keeps the map
            using var reopened = BpfMap.OpenPinned(pin);
            Assert.Equal(33UL, reopened.Lookup<TestProtoKey, ulong>(new TestProtoKey(3, 3)));
        }
        finally
        {
            BpfFs.RemovePinDirectory(dir);
        }
    }
}
