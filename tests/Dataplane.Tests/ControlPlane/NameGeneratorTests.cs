using System.Text.RegularExpressions;
using Dataplane.ControlPlane;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Tests.ControlPlane;

public class NameGeneratorTests
{
    [Fact]
    public void Generate_ManyNames_AdjectiveUnderscoreSurnameValidAndNeverBoringWozniak()
    {
        var random = new Random(7);
        var names = Enumerable.Range(0, 20_000).Select(_ => NameGenerator.Generate(random)).ToList();
        Assert.All(names, n => Assert.Matches(new Regex("^[a-z]+_[a-z]+$"), n));
        Assert.All(names, n => Assert.Matches(new Regex("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$"), n)); // RunSyntax's container-name rule
        Assert.DoesNotContain("boring_wozniak", names);
        Assert.True(names.Distinct().Count() > 5_000, "names should spread over the combinations");
    }

    [Fact]
    public void Generate_Retry_AppendsADigit() =>
        Assert.Matches(new Regex("^[a-z]+_[a-z]+[0-9]$"), NameGenerator.Generate(new Random(1), retry: 1));

    [Fact]
    public void Unique_TakenNames_Skipped()
    {
        var taken = new HashSet<string>();
        var random = new Random(3);
        for (int i = 0; i < 500; i++)
            Assert.True(taken.Add(NameGenerator.Unique(taken.Contains, random)));
    }

    [Fact]
    public void Unique_EverythingTaken_ConflictError()
    {
        var e = Assert.Throws<DataplaneException>(() => NameGenerator.Unique(_ => true, new Random(5)));
        Assert.Equal(ErrorKind.Conflict, e.Kind);
    }
}
