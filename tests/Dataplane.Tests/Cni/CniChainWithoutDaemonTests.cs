using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.Cni;

/// <summary>The reference bridge + dataplane-cni when no daemon listens: ADD fails retryably, the runtime's cleanup DEL succeeds, twice.</summary>
public sealed class CniChainWithoutDaemonTests
{
    [PrivilegedFact]
    public void AddThenDelTwice_DaemonNotRunning_AddFailsCode11AndDelsSucceed()
    {
        using var lab = new CniLab();
        var conflist = lab.Conflist();
        var (_, pod) = lab.Pod("pod", (8080, 80, "tcp"));

        var add = conflist.Add(pod);
        // A runtime whose ADD failed runs DEL through the whole list, without a cached result.
        var del = conflist.Del(pod, cachedResult: null);
        var delAgain = conflist.Del(pod, cachedResult: null);

        Assert.True(add[0].ExitCode == 0, add[0].ToString());
        Assert.Equal(11, add[1].ErrorCode);
        Assert.Contains(lab.Socket, add[1].ErrorMessage);
        Assert.All(del.Concat(delAgain), run => Assert.True(run.ExitCode == 0, run.ToString()));
        using var nl = RtNetlink.Open(lab.Lab.Host);
        int bridge = nl.GetLink(lab.Bridge).Index;
        Assert.DoesNotContain(nl.ListLinks(), l => l.MasterIndex == bridge);
    }
}
