using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Dataplane.Tests.Support;

namespace Dataplane.Tests.EndToEnd;

/// <summary>
/// Generated requests against the real daemon's API: whatever the body (nulls, wrong types, huge or
/// newline-ended names, malformed JSON), the answer is 2xx or 4xx with a message and no .NET text,
/// the daemon stays up, and what it created is all it keeps.
/// </summary>
public sealed class ApiFuzzTests(DaemonLab d) : IClassFixture<DaemonLab>
{
    private static readonly string[] Routes = ["/containers", "/networks", "/containers/fuzz/exec"];

    private static Gen<JsonNode?> Value(bool nested) => Gen.OneOf(
        Gen.Constant<JsonNode?>(null),
        Gen.Elements<JsonNode?>(JsonValue.Create(""), JsonValue.Create("true"), JsonValue.Create("8080:80"), JsonValue.Create("bridge"),
            JsonValue.Create("198.19.7.7"), JsonValue.Create("fuzz\n"), JsonValue.Create(new string('n', 300)), JsonValue.Create("../../etc"),
            JsonValue.Create(-1), JsonValue.Create(70000), JsonValue.Create(true)),
        ArbMap.Default.GeneratorFor<string>().Select(s => (JsonNode?)JsonValue.Create(s)),
        nested ? Value(false).ArrayOf().Select(a => (JsonNode?)new JsonArray([.. a.Take(4).Select(n => n?.DeepClone())])) : Gen.Constant<JsonNode?>(new JsonArray()));

    private static readonly string[] Fields =
        ["command", "name", "network", "publish", "publishAll", "expose", "hostname", "dns", "addHosts", "links", "env", "ip",
         "detach", "autoRemove", "user", "capAdd", "capDrop", "privileged", "subnet", "gateway", "internal", "options"];

    private static Gen<string> Body() => Gen.OneOf(
        Gen.Elements("", "{", "[]", "null", "{\"command\":", "\"text\"", "{\"command\":[\"true\"],\"name\":{}}"),
        Gen.Elements(Fields).SelectMany(f => Value(true), (f, v) => (f, v)).ArrayOf()
            .Select(pairs =>
            {
                var o = new JsonObject();
                foreach (var (f, v) in pairs.Take(8)) o[f] = v?.DeepClone();
                return o.ToJsonString();
            }));

    private HttpClient Client() => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(d.Socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://dataplane") };

    [PrivilegedFact]
    public void GeneratedRequests_AnsweredWithAMessage_DaemonUpNothingLeaked()
    {
        var networksBefore = NetworkNames();
        using var client = Client();
        Prop.ForAll(Gen.Elements(Routes).SelectMany(_ => Body(), (route, body) => (route, body)).ToArbitrary(), req =>
        {
            using var response = client.PostAsync(req.route, new StringContent(req.body, Encoding.UTF8, "application/json")).Result;
            var text = response.Content.ReadAsStringAsync().Result;
            int status = (int)response.StatusCode;
            if (status >= 400)
            {
                Assert.True(status < 500, $"{req.route} {req.body} -> {status} {text}");
                var message = JsonNode.Parse(text)?["message"]?.GetValue<string>();
                Assert.False(string.IsNullOrWhiteSpace(message), $"{req.route} {req.body} -> {status} without a message: {text}");
                Assert.DoesNotContain("   at ", message);
                Assert.DoesNotContain("Exception", message);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));

        Assert.True(d.DaemonAlive);
        // Whatever a generated request did create, removing it leaves the daemon as it was.
        foreach (var line in d.Ok("ps", "-a").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            d.Ok("rm", "-f", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);
        foreach (var name in NetworkNames().Except(networksBefore))
            d.Ok("network", "rm", name);
        Assert.Empty(d.Sandboxes());
        Assert.Equal(networksBefore, NetworkNames());
    }

    private HashSet<string> NetworkNames() => [.. d.Ok("network", "ls").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])];
}
