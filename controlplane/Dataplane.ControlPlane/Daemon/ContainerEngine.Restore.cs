using System.Net;
using Dataplane.ControlPlane.Dns;
using Dataplane.ControlPlane.Engine;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>A daemon's start over the recorded containers.</summary>
public sealed partial class ContainerEngine
{
    /// <summary>
    /// On start, before the engine reconciles ports: a container whose process still runs in its
    /// sandbox gets its endpoint attached again (binding today's maps), its ports claimed, and is
    /// watched. Every other one is stopped as an exit would leave it: whatever runs in its sandbox goes,
    /// its veth goes (a crash part-way through run, start or an exit may have left one), no ports.
    /// Sandboxes a crash left unrecorded go.
    /// </summary>
    public IReadOnlyList<PortPublisher.Claim> Restore()
    {
        lock (_gate)
        {
            var claims = new List<PortPublisher.Claim>();
            var alive = state.Current.Containers.Where(c => c.State == ContainerState.Running && StillRuns(c)).ToList();
            foreach (var c in alive)
            {
                var specs = SpecsOf(c);
                if (specs.All(RestoreEndpoint))
                {
                    if (specs.Count > 0) claims.Add(new PortPublisher.Claim(specs[0].Owner, specs[0].IPv4, PublishedPort.FromRecords(c.Ports).ToList()) { Endpoint6 = specs[0].IPv6 });
                    _running[c.Id] = SandboxProcess.Adopt(c.Pid!.Value, code => OnExit(c.Id, code), new ContainerLog(sandboxes.Directory(c.Id)));
                }
                else
                {
                    // A veth is gone (a crash part-way through rm, or someone deleted it): what is left
                    // stops, and the container shows as exited without ports until it is started or removed.
                    foreach (var spec in specs) engine.Release(spec.Owner);
                    sandboxes.KillProcessesIn(c.Name);
                    MarkExited(c);
                }
            }

            foreach (var c in state.Current.Containers.Where(c => !_running.ContainsKey(c.Id)))
            {
                bool shared = state.Current.Containers.Any(d => _running.ContainsKey(d.Id) && SharesNamespaceOf(d, c));
                if (c.OwnsNamespace && !shared) sandboxes.KillProcessesIn(c.Name);
                DropEndpoint(c);
                if (c.State != ContainerState.Exited || c.Pid is not null || c.Ports.Count > 0)
                    MarkExited(c);
            }

            // The resolver serves every sandbox on a user-defined network that is still there (a stopped
            // container keeps its sandbox, so its start needs no attach of its own).
            foreach (var c in dns is null ? [] : state.Current.Containers.Where(c => c.OwnsNamespace && NameScope.Serves(c)))
            {
                try
                {
                    using var sandbox = sandboxes.OpenNamespace(c.Name);
                    AttachDns(c.Id, sandbox, c.Dns);
                }
                catch (Interop.InteropException) { } // its namespace went with a crash part-way through rm
            }

            sandboxes.RemoveUnrecorded(state.Current.Containers.Select(c => c.Id).ToHashSet());
            return claims;
        }
    }

    // A crash between spawning a command and recording its pid leaves it Created: its exit is unknown.
    private void MarkExited(ContainerRecord c) => state.Put(c with
    {
        State = ContainerState.Exited,
        ExitCode = c.State == ContainerState.Exited ? c.ExitCode : c.ExitCode ?? SandboxProcess.UnknownExitCode,
        Pid = null,
        Ports = [],
        FinishedAt = c.FinishedAt is { } f && c.State == ContainerState.Exited ? f : DateTimeOffset.UtcNow,
    });

    private bool StillRuns(ContainerRecord c)
    {
        if (c.Pid is not int pid) return false;
        try
        {
            var isolation = IsolationOf(c);
            using var ns = isolation.Network;
            return sandboxes.RunsIn(isolation, pid);
        }
        catch (Exception e) when (e is DataplaneException or Interop.InteropException)
        {
            return false; // the sandbox it joined (container:NAME) is gone
        }
    }

    /// <summary>The container's endpoints as the engine holds them, the primary first.</summary>
    private List<EndpointSpec> SpecsOf(ContainerRecord c) => c.Endpoints.Where(e => e.IpAddress is not null).Select(e =>
    {
        var network = state.View.FindNetwork(e.Network) ?? throw DataplaneException.Conflict($"container {c.Name}: network {e.Network} is not recorded");
        var ip = IPAddress.Parse(e.IpAddress!);
        var ip6 = e.GlobalIPv6Address is { } v6 ? IPAddress.Parse(v6) : null;
        return new EndpointSpec(OwnerOf(c.Id, e), network.Id, HostVeth(c.Id, e), Macs.FromIPv4(ip), ip, ip6);
    }).ToList();

    /// <summary>A running container's endpoint attached again; false when its veth is gone.</summary>
    private bool RestoreEndpoint(EndpointSpec spec)
    {
        try
        {
            engine.RestoreEndpoint(spec);
            return true;
        }
        catch (Interop.InteropException) when (!sandboxes.HostVethExists(spec.HostVeth))
        {
            return false;
        }
    }

    /// <summary>Deletes the veths of a container that does not run, where one is left.</summary>
    private void DropEndpoint(ContainerRecord c)
    {
        foreach (var spec in SpecsOf(c).Where(s => sandboxes.HostVethExists(s.HostVeth)))
        {
            engine.RestoreEndpoint(spec);
            engine.Release(spec.Owner);
        }
    }
}
