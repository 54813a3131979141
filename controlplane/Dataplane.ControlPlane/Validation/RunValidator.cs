using System.Net;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Ipam;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Validation;

/// <summary>Checks a run request against the current state, before any side effect, with Docker's texts.</summary>
public static class RunValidator
{
    public static RunPlan Validate(RunRequest request, IStateView state) => Validate(RunSyntax.Parse(request), state);

    public static RunPlan Validate(ParsedRun run, IStateView state)
    {
        if (run.ExtraHosts.Any(h => h.ToHostGateway))
        {
            var gateway = IPAddress.Parse(state.FindNetwork(NetworkRecord.DefaultName)?.Gateway
                ?? throw DataplaneException.Invalid("unable to derive the IP value for host-gateway"));
            run = run with { ExtraHosts = [.. run.ExtraHosts.Select(h => h.ToHostGateway ? new HostEntry(h.Name, gateway) : h)] };
        }
        if (run.Name is { } name && state.FindContainer(name) is { } clash && clash.Name == name)
            throw DataplaneException.Conflict(
                $"Conflict. The container name \"/{name}\" is already in use by container \"{clash.Id}\". You have to remove (or rename) that container to be able to reuse that name.");

        NetworkRecord? network = null;
        ContainerRecord? shared = null;
        switch (run.Mode.Kind)
        {
            case NetworkModeKind.Bridge:
                network = state.FindNetwork(run.Mode.Target)
                    ?? throw DataplaneException.NotFound($"network {run.Mode.Target} not found");
                if (run.Aliases is { Count: > 0 } && network.Name == NetworkRecord.DefaultName)
                    throw DataplaneException.Invalid("network-scoped alias is supported only for containers in user defined networks");
                if (run.Ip is { } ip)
                    CheckRequestedAddress(network, ip, state);
                break;
            case NetworkModeKind.Container:
                shared = state.FindContainer(run.Mode.Target)
                    ?? throw DataplaneException.NotFound($"No such container: {run.Mode.Target}");
                if (shared.State != ContainerState.Running)
                    throw DataplaneException.Conflict($"cannot join network of a non running container: {shared.Name}");
                break;
        }

        var linked = new List<ContainerRecord>();
        foreach (var link in run.Links)
        {
            var target = state.FindContainer(link.Name)
                ?? throw DataplaneException.Invalid($"could not get container for {link.Name}: No such container: {link.Name}"); // moby answers 400
            if (target.State != ContainerState.Running)
                throw DataplaneException.Conflict($"Cannot link to a non running container: /{target.Name} AS /{run.Name ?? "?"}/{link.Alias}");
            if (network is not null && target.Network != network.Name)
                throw DataplaneException.Invalid(network.Name == NetworkRecord.DefaultName
                    ? $"Cannot link to /{target.Name}, as it does not belong to the default network"
                    : $"Cannot link to /{target.Name}, as it does not belong to network {network.Name}");
            linked.Add(target);
        }
        return new RunPlan(run, network, shared, linked, run.Warnings);
    }

    /// <summary>--ip of run and of network connect: on a user-defined network, inside its subnet, free.</summary>
    public static void CheckRequestedAddress(NetworkRecord network, IPAddress ip, IStateView state)
    {
        if (network.Name == NetworkRecord.DefaultName)
            throw DataplaneException.Invalid("user specified IP address is supported on user defined networks only");
        var subnet = Ipv4Subnet.Parse(network.Subnet);
        if (!subnet.IsHostAddress(Ipv4Subnet.FromAddress(ip)) || ip.ToString() == network.Gateway)
            throw DataplaneException.Invalid($"no configured subnet or ip-range contain the IP address {ip}");
        if (state.Containers.Any(c => c.EndpointOn(network.Name)?.IpAddress == ip.ToString()))
            throw DataplaneException.Conflict($"Address already in use: {ip}");
    }
}
