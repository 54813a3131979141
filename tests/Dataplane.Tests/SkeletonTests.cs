namespace Dataplane.Tests;

public class SkeletonTests
{
    [Fact]
    public void Solution_Builds_TestsRun() => Assert.True(Support.Privileges.IsRoot || !Support.Privileges.IsRoot);
}
