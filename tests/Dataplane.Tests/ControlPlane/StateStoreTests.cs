using System.Net;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.State;

namespace Dataplane.Tests.ControlPlane;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dp-state-" + Guid.NewGuid().ToString("n"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Load_NoFile_Empty() => Assert.Empty(new StateStore(_dir).Load().Networks);

    [Fact]
    public void SaveLoad_RoundTripsEveryField()
    {
        var c = Fixtures.Container("web") with
        {
            Ports = [new PortMappingRecord("0.0.0.0", 8080, 80, "tcp")],
            Links = [new LinkRecord("db", "database")],
            Dns = ["1.1.1.1"],
            ExtraHosts = ["a:1.2.3.4"],
            Endpoints = [new EndpointRecord("bridge", "172.17.0.2", "02:42:ac:11:00:02", ["web-alias"], "fd00::2")],
            StartedAt = DateTimeOffset.UnixEpoch.AddSeconds(5),
        };
        var doc = new StateDocument(StateDocument.CurrentSchemaVersion, [Fixtures.Bridge, Fixtures.Lab], [c]);
        var store = new StateStore(_dir);
        store.Save(doc);
        var back = new StateStore(_dir).Load();
        Assert.Equal(2, back.Networks.Count);
        Assert.Equal(Fixtures.Lab with { Options = back.Networks[1].Options }, back.Networks[1]);
        var b = Assert.Single(back.Containers);
        Assert.Equal(c.Ports, b.Ports);
        Assert.Equal(c.Links, b.Links);
        Assert.Equal((c.Id, c.Name, c.State, c.MacAddress, c.Pid, c.StartedAt), (b.Id, b.Name, b.State, b.MacAddress, b.Pid, b.StartedAt));
        Assert.Equal(c.Endpoints[0].Aliases, b.Endpoints[0].Aliases);
        Assert.Equal(c.Endpoints[0] with { Aliases = null }, b.Endpoints[0] with { Aliases = null });
        Assert.Equal(c.Command, b.Command);
        Assert.False(File.Exists(store.FilePath + ".tmp"));
        Assert.Contains("\"state\": \"Running\"", File.ReadAllText(store.FilePath));
    }

    [Fact]
    public void Save_Twice_ReplacesAtomically()
    {
        var store = new StateStore(_dir);
        store.Save(new StateDocument(1, [Fixtures.Bridge], []));
        store.Save(new StateDocument(1, [Fixtures.Bridge, Fixtures.Lab], []));
        Assert.Equal(2, store.Load().Networks.Count);
        Assert.Equal([StateStore.FileName], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Load_LeftoverTempFromCrash_IgnoredOldStateKept()
    {
        var store = new StateStore(_dir);
        store.Save(new StateDocument(1, [Fixtures.Bridge], []));
        File.WriteAllText(store.FilePath + ".tmp", "{ torn");
        Assert.Single(store.Load().Networks);
    }

    [Fact]
    public void Load_FutureSchemaOrGarbage_PreciseError()
    {
        var store = new StateStore(_dir);
        File.WriteAllText(store.FilePath, "{\"schemaVersion\": 9, \"networks\": [], \"containers\": []}");
        Assert.Contains("schema version 9", Assert.Throws<InvalidDataException>(store.Load).Message);
        File.WriteAllText(store.FilePath, "nonsense");
        Assert.Contains("is not valid", Assert.Throws<InvalidDataException>(store.Load).Message);
    }

    [Fact]
    public void Load_Version1State_MigratedToEndpoints()
    {
        var store = new StateStore(_dir);
        // As a version-1 daemon wrote it: one network per container, on the container itself.
        File.WriteAllText(store.FilePath, """
            {"schemaVersion": 1, "networks": [], "containers": [
              {"id": "ab", "name": "web", "networkMode": "lab", "network": "lab", "ipAddress": "10.77.0.2", "macAddress": "02:42:0a:4d:00:02",
               "hostname": "web", "dns": [], "extraHosts": [], "links": [], "env": [], "exposedPorts": [], "ports": [], "command": ["sleep", "9"],
               "detached": true, "autoRemove": false, "state": "Running", "exitCode": null, "pid": 7, "created": "2026-12-03T16:00:00+00:00"},
              {"id": "cd", "name": "solo", "networkMode": "none", "network": null, "ipAddress": null, "macAddress": null,
               "hostname": "solo", "dns": [], "extraHosts": [], "links": [], "env": [], "exposedPorts": [], "ports": [], "command": ["true"],
               "detached": true, "autoRemove": false, "state": "Created", "exitCode": null, "pid": null, "created": "2026-12-03T16:00:00+00:00"}
            ]}
            """);
        var doc = store.Load();
        Assert.Equal(StateDocument.CurrentSchemaVersion, doc.SchemaVersion);
        var web = doc.Containers[0];
        Assert.Equal(new EndpointRecord("lab", "10.77.0.2", "02:42:0a:4d:00:02"), Assert.Single(web.Endpoints));
        Assert.Equal(web.Created, web.StartedAt);
        Assert.Empty(doc.Containers[1].Endpoints);
        Assert.Null(doc.Containers[1].StartedAt);
        store.Save(doc);
        Assert.Equal(web.Endpoints, new StateStore(_dir).Load().Containers[0].Endpoints);
    }

    [Fact]
    public void Load_Version2State_PortsAndExposedPortsMigratedToRuns()
    {
        var store = new StateStore(_dir);
        // As a version-2 daemon wrote `run -p 20000-20002:20000-20002 -p 127.0.0.1:8080:80 -p 20003:20003/udp --expose 7000-7001`.
        var ports = string.Join(", ", Enumerable.Range(20000, 3).Select(p => $$"""{"hostIp": "0.0.0.0", "hostPort": {{p}}, "containerPort": {{p}}, "proto": "tcp"}"""))
            + """, {"hostIp": "127.0.0.1", "hostPort": 8080, "containerPort": 80, "proto": "tcp"}, {"hostIp": "0.0.0.0", "hostPort": 20003, "containerPort": 20003, "proto": "udp"}""";
        File.WriteAllText(store.FilePath, $$"""
            {"schemaVersion": 2, "networks": [], "containers": [
              {"id": "ab", "name": "web", "networkMode": "bridge", "endpoints": [], "hostname": "web", "dns": [], "extraHosts": [], "links": [], "env": [],
               "exposedPorts": ["80/tcp", "7000/tcp", "7001/tcp", "20000/tcp", "20001/tcp", "20002/tcp", "20003/udp"], "ports": [{{ports}}], "command": ["sleep", "9"],
               "detached": true, "autoRemove": false, "state": "Running", "exitCode": null, "pid": 7, "created": "2026-12-03T16:00:00+00:00"}
            ]}
            """);
        var web = store.Load().Containers[0];
        Assert.Equal([new("0.0.0.0", 20000, 20000, "tcp", 3), new("127.0.0.1", 8080, 80, "tcp"), new PortMappingRecord("0.0.0.0", 20003, 20003, "udp")], web.Ports);
        Assert.Equal(["80/tcp", "7000-7001/tcp", "20000-20002/tcp", "20003/udp"], web.ExposedPorts);
    }

    [Fact]
    public void PortRecords_TenThousandPortsAndTwins_OneRecordPerRunSameListBack()
    {
        var v4 = Enumerable.Range(20000, 10_000).Select(p => new PublishedPort(IPAddress.Any, p, new ContainerPort(p, Proto.Tcp)));
        var v6 = Enumerable.Range(20000, 10_000).Select(p => new PublishedPort(IPAddress.IPv6Any, p, new ContainerPort(p, Proto.Tcp)));
        List<PublishedPort> ports = [.. v4, new(IPAddress.Loopback, 8080, new ContainerPort(80, Proto.Tcp)), new(IPAddress.Loopback, 8081, new ContainerPort(80, Proto.Tcp)), .. v6];
        var records = PublishedPort.ToRecords(ports);
        Assert.Equal([new("0.0.0.0", 20000, 20000, "tcp", 10_000), new("127.0.0.1", 8080, 80, "tcp"), new("127.0.0.1", 8081, 80, "tcp"), new PortMappingRecord("::", 20000, 20000, "tcp", 10_000)], records);
        Assert.Equal(ports, PublishedPort.FromRecords(records));
    }

    [Fact]
    public void ExposedRecords_RunsPerProtocolInOrder_SamePortsBack()
    {
        List<ContainerPort> exposed = [new(53, Proto.Tcp), new(53, Proto.Udp), new(54, Proto.Udp), .. Enumerable.Range(7000, 3).Select(p => new ContainerPort(p, Proto.Tcp))];
        var records = ExposedPorts.ToRecords(exposed);
        Assert.Equal(["53/tcp", "53-54/udp", "7000-7002/tcp"], records);
        Assert.Equal(exposed, ExposedPorts.FromRecords(records));
    }

    [Fact]
    public void Ids_New_64HexShort12()
    {
        var id = Ids.New();
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal(id[..12], Ids.Short(id));
        Assert.NotEqual(id, Ids.New());
    }

    [Theory]
    [InlineData(null, NetworkModeKind.Bridge, "bridge")]
    [InlineData("lab", NetworkModeKind.Bridge, "lab")]
    [InlineData("host", NetworkModeKind.Host, "host")]
    [InlineData("none", NetworkModeKind.None, "none")]
    [InlineData("container:db", NetworkModeKind.Container, "db")]
    public void NetworkMode_Parse(string? text, NetworkModeKind kind, string target)
    {
        var m = NetworkModeSpec.Parse(text);
        Assert.Equal((kind, target), (m.Kind, m.Target));
    }
}
