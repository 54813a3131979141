using Dataplane.ControlPlane.DataPath;

namespace Dataplane.Tests.DataPath;

/// <summary>Each test gets its own freshly loaded dp_nat object, seeded with <see cref="TestWorld"/>.</summary>
public abstract class DataPathTestBase : IDisposable
{
    private DpNatObject? _obj;

    internal DpNatObject O => _obj ??= LoadSeeded();

    private protected virtual IReadOnlyDictionary<string, uint>? MaxEntries => null;
    private protected virtual (ushort Min, ushort Max) SnatRange => (0, 0);

    private DpNatObject LoadSeeded()
    {
        var o = DpNatObject.Load(MaxEntries);
        try
        {
            TestWorld.Seed(o, SnatRange.Min, SnatRange.Max);
            return o;
        }
        catch
        {
            o.Dispose();
            throw;
        }
    }

    internal DpNatObject.RunResult Uplink(byte[] frame) => O.Run(DataPathAbi.ProgUplinkIn, frame);
    /// <summary>dp_veth_in as the frame arrives on the veth of the container it claims to come from
    /// (<see cref="TestWorld.VethOf"/>), or on <paramref name="ingressIfindex"/>.</summary>
    internal DpNatObject.RunResult Veth(byte[] frame, uint? ingressIfindex = null)
        => O.Run(DataPathAbi.ProgVethIn, frame, ingressIfindex: ingressIfindex ?? TestWorld.VethOf(frame));

    /// <summary>Verdict and exact output bytes, and the output's checksums verified from scratch.</summary>
    internal static void AssertTranslated(DpNatObject.RunResult r, byte[] expected, int verdict = DpNatObject.TcActRedirect)
    {
        Assert.Equal(verdict, r.Verdict);
        InternetChecksum.AssertValid(r.Output);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(r.Output));
    }

    /// <summary>Passed (or dropped) exactly as it came.</summary>
    internal static void AssertUntouched(DpNatObject.RunResult r, byte[] input, int verdict = DpNatObject.TcActOk)
    {
        Assert.Equal(verdict, r.Verdict);
        Assert.Equal(Convert.ToHexString(input), Convert.ToHexString(r.Output));
    }

    internal int CtEntries => O.Keys<CtKey>(DataPathAbi.MapCt).Count;

    private protected virtual void DisposeMore() { }

    public void Dispose()
    {
        try
        {
            DisposeMore();
        }
        finally
        {
            _obj?.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
