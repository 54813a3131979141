using System.Net;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Frontends.Docker;
using Dataplane.ControlPlane.Ports;
using Dataplane.Interop.Netlink;
using Dataplane.Tests.Support;
using Dataplane.Tests.Support.Runtimes;
using Microsoft.Extensions.Logging.Abstractions;
using Endpoint = Dataplane.ControlPlane.Engine.Endpoint;
using NetworkSpec = Dataplane.ControlPlane.Engine.NetworkSpec;
using PortBinding = Dataplane.ControlPlane.Ports.PortBinding;

namespace Dataplane.Tests.ControlPlane;

/// <summary>
/// What the Docker frontend reads from a real dockerd, checked against the kernel and the docker CLI:
/// the frontend runs in-process against an engine that only records (the data path is exercised by
/// the end-to-end tests).
/// </summary>
public sealed class DockerFrontendTests(DockerEngineLab d) : IClassFixture<DockerEngineLab>
{
    /// <summary>Keeps what the frontend asks for, as the engine's contract says (idempotent, release cascades to ports).</summary>
    private sealed class RecordingEngine : IEndpointEngine
    {
        public readonly Dictionary<string, NetworkSpec> Networks = [];
        public readonly Dictionary<Owner, Endpoint> Adopted = [];
        public readonly Dictionary<Owner, IReadOnlyList<PublishedPort>> Ports = [];

        public void AdoptNetwork(NetworkSpec network) { lock (this) Networks[network.Id] = network; }
        public void ForgetNetwork(string networkId) { lock (this) Networks.Remove(networkId); }

        public Endpoint AdoptEndpoint(EndpointSpec spec)
        {
            lock (this)
                return Adopted[spec.Owner] = new Endpoint(spec.Owner, spec.NetworkId, spec.HostVeth, 0, spec.Mac, spec.IPv4, spec.IPv6);
        }

        public IReadOnlyList<PublishedPort> Publish(Owner owner, IReadOnlyList<PortBinding> bindings, bool reserveHostPorts = true)
        {
            Assert.False(reserveHostPorts); // dockerd holds its host ports
            lock (this)
                return Ports[owner] = bindings.Select(b => new PublishedPort(b.EffectiveHostIp, b.HostPorts!.Value.Start, b.Container)).ToList();
        }

        public void Release(Owner owner) { lock (this) { Adopted.Remove(owner); Ports.Remove(owner); } }
        public IReadOnlyList<Endpoint> Endpoints(OwnerKind kind) { lock (this) return Adopted.Values.Where(e => e.Owner.Kind == kind).ToList(); }
        public IReadOnlyList<PublishedPort> PublishedPorts(Owner owner) { lock (this) return Ports.GetValueOrDefault(owner) ?? []; }
    }

    private static void Await(Func<bool> condition, string what) => DockerModeLab.Await(condition, what, 15_000);

    [PrivilegedFact]
    public async Task Frontend_RealDockerd_ReadsNetworksEndpointsPortsAndFollowsEvents()
    {
        var engine = new RecordingEngine();
        using var cts = new CancellationTokenSource();
        try
        {
            d.DockerOk("network", "create", "--subnet", "198.19.220.0/24", "--internal", "-o", "com.docker.network.bridge.enable_icc=false", "dpt-quiet");
            var web = d.DockerOk("run", "-d", "--name", "reads-web", "-p", "8090:80", "-p", "127.0.0.1:5300:53/udp", TinyImage.Name, "httpd", "-f", "-p", "80", "-h", "/www");

            using var frontend = new DockerFrontend(new Uri(d.Endpoint), engine, NullLogger.Instance, d.Lab.Host);
            await frontend.StartAsync(cts.Token);

            // Networks: docker0 and the user network, as dockerd and the kernel have them.
            var bridgeId = d.DockerOk("network", "inspect", "-f", "{{.Id}}", "bridge");
            var quietId = d.DockerOk("network", "inspect", "-f", "{{.Id}}", "dpt-quiet");
            Assert.Equal(new NetworkSpec(bridgeId, "bridge", "docker0", IPAddress.Parse("198.19.0.0"), 24, IPAddress.Parse("198.19.0.1")), engine.Networks[bridgeId]);
            var quiet = engine.Networks[quietId];
            Assert.Equal("br-" + quietId[..12], quiet.Bridge);
            Assert.True(quiet.Internal);
            Assert.False(quiet.Icc);
            Assert.NotNull(d.Lab.HostLinks.TryGetLink(quiet.Bridge));

            // The endpoint: the host veth is the one on docker0 whose peer is the container's eth0.
            var owner = DockerContainers.OwnerOf(web, bridgeId);
            var endpoint = engine.Adopted[owner];
            var veth = d.Lab.HostLinks.GetLink(endpoint.HostVeth);
            Assert.Equal("veth", veth.Kind);
            Assert.Equal(d.Lab.HostLinks.IndexOf("docker0"), veth.MasterIndex);
            Assert.Equal(d.DockerOk("inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", web), endpoint.IPv4.ToString());
            Assert.Equal(d.DockerOk("inspect", "-f", "{{.NetworkSettings.Networks.bridge.MacAddress}}", web), SandboxVeths.Format(endpoint.Mac));
            Assert.Equal(
                [new PublishedPort(IPAddress.Loopback, 5300, new ContainerPort(53, Proto.Udp)), new PublishedPort(IPAddress.Any, 8090, new ContainerPort(80, Proto.Tcp))],
                engine.PublishedPorts(owner).OrderBy(p => p.HostPort));

            var following = frontend.RunAsync(cts.Token);

            // network connect / disconnect on a running container: a second endpoint comes and goes.
            d.DockerOk("network", "connect", "dpt-quiet", "reads-web");
            var second = DockerContainers.OwnerOf(web, quietId);
            Await(() => engine.Endpoints(OwnerKind.Docker).Any(e => e.Owner == second), "the endpoint on dpt-quiet");
            Assert.Equal(d.Lab.HostLinks.IndexOf(quiet.Bridge), d.Lab.HostLinks.GetLink(engine.Adopted[second].HostVeth).MasterIndex);
            d.DockerOk("network", "disconnect", "dpt-quiet", "reads-web");
            Await(() => engine.Endpoints(OwnerKind.Docker).All(e => e.Owner != second), "the endpoint on dpt-quiet to go");

            // dockerd restarts (live-restore): the frontend reconnects and reconciles to the same state.
            int reconciles = frontend.Reconciles;
            d.RestartDockerd();
            Await(() => frontend.Reconciles > reconciles, "a reconcile after the restart");
            Assert.Equal(endpoint, engine.Adopted[owner]);

            // stop: endpoint and ports gone; network rm: forgotten.
            d.DockerOk("stop", "-t", "1", "reads-web");
            Await(() => engine.Endpoints(OwnerKind.Docker).Count == 0 && engine.Ports.Count == 0, "the stopped container released");
            d.DockerOk("network", "rm", "dpt-quiet");
            Await(() => !engine.Networks.ContainsKey(quietId), "dpt-quiet forgotten");

            cts.Cancel();
            await following;
        }
        finally
        {
            cts.Cancel();
            d.Docker("rm", "-f", "reads-web");
            d.Docker("network", "rm", "dpt-quiet");
        }
    }
}
