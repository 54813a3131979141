using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Model;

namespace Dataplane.Tests.Dns;

public class NameScopeTests
{
    private static ContainerRecord Container(string id, string name, string network, string ip, ContainerState state = ContainerState.Running,
        IReadOnlyList<LinkRecord>? links = null, IReadOnlyList<EndpointRecord>? more = null, IReadOnlyList<string>? aliases = null, string? ipv6 = null) =>
        new(id, name, network, [new EndpointRecord(network, ip, null, aliases, ipv6), .. more ?? []], name, [], [], links ?? [], [], [], [], ["sleep"], true, false, state, null, 1, DateTimeOffset.UnixEpoch);

    private const string A = "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000";
    private const string B = "bbbbbbbbbbbb0000000000000000000000000000000000000000000000000000";
    private const string C = "cccccccccccc0000000000000000000000000000000000000000000000000000";
    private const string D = "dddddddddddd0000000000000000000000000000000000000000000000000000";

    private static StateDocument State(params ContainerRecord[] containers) => StateDocument.Empty with { Containers = containers };

    private static readonly StateDocument Sample = State(
        Container(A, "web", "front", "198.18.220.2", links: [new LinkRecord("db", "database")]),
        Container(B, "db", "front", "198.18.220.3", aliases: ["postgres"], ipv6: "2001:db8::3"),
        Container(C, "other", "back", "198.18.221.2"),
        Container(D, "gone", "front", "198.18.220.4", ContainerState.Exited));

    private static IReadOnlyList<string> Lookup(string asking, string name) =>
        NameScope.For(Sample, asking).Lookup(name).Select(e => e.IPv4.ToString()).ToList();

    [Theory]
    [InlineData("db")]
    [InlineData("DB.")]
    [InlineData("bbbbbbbbbbbb")]
    [InlineData("db.front")]
    [InlineData("database")]
    [InlineData("postgres")]
    [InlineData("postgres.front")]
    public void Lookup_NameShortIdNetworkSuffixOrLinkAlias_AnswersTheContainer(string name) =>
        Assert.Equal(["198.18.220.3"], Lookup(A, name));

    [Fact]
    public void Lookup_ContainerOnAnotherNetwork_IsNotInScope()
    {
        Assert.Empty(Lookup(C, "db"));
        Assert.Empty(Lookup(A, "other"));
        Assert.Empty(Lookup(A, "other.back"));
    }

    [Fact]
    public void Lookup_ContainerConnectedToASecondNetwork_SeesBothAndIsSeenOnEach()
    {
        var bridgeBoth = Container(A, "hub", "front", "198.18.220.9", more: [new EndpointRecord("back", "198.18.221.9", null, ["hub-b"])]);
        var state = State(bridgeBoth, Container(B, "db", "front", "198.18.220.3"), Container(C, "other", "back", "198.18.221.2"));
        Assert.Equal(["198.18.220.3"], NameScope.For(state, A).Lookup("db").Select(e => e.IPv4.ToString()));
        Assert.Equal(["198.18.221.2"], NameScope.For(state, A).Lookup("other").Select(e => e.IPv4.ToString()));
        Assert.Equal(["198.18.221.9"], NameScope.For(state, C).Lookup("hub").Select(e => e.IPv4.ToString())); // its address on the asker's network
        Assert.Equal(["198.18.221.9"], NameScope.For(state, C).Lookup("hub-b").Select(e => e.IPv4.ToString()));
        Assert.Empty(NameScope.For(state, B).Lookup("hub-b")); // an alias belongs to one network
        Assert.Empty(NameScope.For(state, B).Lookup("other"));
    }

    [Fact]
    public void Lookup_StoppedContainerOrOtherContainersLinkAlias_IsNotAnswered()
    {
        Assert.Empty(Lookup(A, "gone"));
        Assert.Empty(Lookup(B, "database")); // a --link alias is the linking container's alone
    }

    [Fact]
    public void Lookup_DefaultBridge_HasNoEmbeddedNames()
    {
        var state = State(Container(A, "x", NetworkRecord.DefaultName, "198.19.0.2"), Container(B, "y", NetworkRecord.DefaultName, "198.19.0.3"));
        Assert.Empty(NameScope.For(state, A).Lookup("y"));
        Assert.False(NameScope.Serves(state.Containers[0]));
    }

    [Fact]
    public void PointerOf_AddressInScope_IsNameDotNetwork()
    {
        Assert.Equal("db.front", NameScope.For(Sample, A).PointerOf(IPAddress.Parse("198.18.220.3")));
        Assert.Null(NameScope.For(Sample, A).PointerOf(IPAddress.Parse("198.18.221.2")));
    }

    private static DnsMessage Question(string name, RecordType type)
    {
        var m = new DnsMessage { TransactionID = 7, IsRecursionDesired = true };
        m.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        return m;
    }

    [Fact]
    public void AnswerLocally_A_AnswersWithDockersTtl()
    {
        var reply = EmbeddedResolver.AnswerLocally(NameScope.For(Sample, A), Question("db", RecordType.A))!;
        var a = Assert.IsType<ARecord>(Assert.Single(reply.AnswerRecords));
        Assert.Equal(IPAddress.Parse("198.18.220.3"), a.Address);
        Assert.Equal(EmbeddedResolver.Ttl, a.TimeToLive);
        Assert.Equal(ReturnCode.NoError, reply.ReturnCode);
        Assert.Equal(7, reply.TransactionID);
        Assert.True(reply.IsRecursionAllowed);
    }

    [Fact]
    public void AnswerLocally_AaaaOfContainerWithGlobalIPv6_AnswersIt()
    {
        var reply = EmbeddedResolver.AnswerLocally(NameScope.For(Sample, A), Question("db", RecordType.Aaaa))!;
        Assert.Equal(IPAddress.Parse("2001:db8::3"), Assert.IsType<AaaaRecord>(Assert.Single(reply.AnswerRecords)).Address);
    }

    [Fact]
    public void AnswerLocally_AaaaOfIPv4OnlyContainer_IsEmptyNoError()
    {
        var reply = EmbeddedResolver.AnswerLocally(NameScope.For(Sample, B), Question("web", RecordType.Aaaa))!;
        Assert.Empty(reply.AnswerRecords);
        Assert.Equal(ReturnCode.NoError, reply.ReturnCode);
    }

    [Fact]
    public void AnswerLocally_UnknownNameOrOtherType_IsForwarded()
    {
        Assert.Null(EmbeddedResolver.AnswerLocally(NameScope.For(Sample, A), Question("example.org", RecordType.A)));
        Assert.Null(EmbeddedResolver.AnswerLocally(NameScope.For(Sample, A), Question("db", RecordType.Mx)));
        Assert.Null(EmbeddedResolver.AnswerLocally(NameScope.For(Sample, A), Question("2.221.18.198.in-addr.arpa", RecordType.Ptr)));
    }

    [Fact]
    public void AnswerLocally_Ptr_AnswersNameDotNetwork()
    {
        var reply = EmbeddedResolver.AnswerLocally(NameScope.For(Sample, A), Question("3.220.18.198.in-addr.arpa", RecordType.Ptr))!;
        Assert.Equal("db.front", Assert.IsType<PtrRecord>(Assert.Single(reply.AnswerRecords)).PointerDomainName.ToString().TrimEnd('.'));
    }

    [Theory]
    [InlineData("4.3.2.1.in-addr.arpa", "1.2.3.4")]
    [InlineData("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "2001:db8::1")]
    [InlineData("300.3.2.1.in-addr.arpa", null)]
    [InlineData("example.org", null)]
    public void ReverseName_Parse_GivesTheAddress(string name, string? expected) =>
        Assert.Equal(expected, ReverseName.Parse(DomainName.Parse(name))?.ToString());
}
