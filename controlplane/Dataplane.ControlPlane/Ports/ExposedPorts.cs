namespace Dataplane.ControlPlane.Ports;

/// <summary>`--expose PORT[/PROTO]` (ranges allowed) and the `-P` expansion into bindings.</summary>
public static class ExposedPorts
{
    public static IReadOnlyList<ContainerPort> Parse(string spec)
    {
        var (protoText, portText) = PortSpecParser.SplitProtoPort(spec);
        var range = PortRange.TryParse(portText)
            ?? throw DataplaneException.Invalid($"invalid range format for --expose: {spec}");
        var proto = ProtoNames.Parse(protoText);
        return Enumerable.Range(range.Start, range.Count).Select(p => new ContainerPort(p, proto)).ToList();
    }

    /// <summary>
    /// Docker adds every -p container port to the exposed set; -P then gives each exposed port that
    /// has no explicit binding a binding on any address and any free port of the dynamic range.
    /// </summary>
    public static IReadOnlyList<PortBinding> WithPublishAll(
        IReadOnlyCollection<ContainerPort> exposed, IReadOnlyList<PortBinding> explicitBindings, bool publishAll)
    {
        if (!publishAll)
            return explicitBindings;
        var bound = explicitBindings.Select(b => b.Container).ToHashSet();
        var result = new List<PortBinding>(explicitBindings);
        foreach (var port in exposed.Distinct().Order())
            if (!bound.Contains(port))
                result.Add(new PortBinding(null, null, port));
        return result;
    }

    /// <summary>The exposed set of a container: --expose ports plus every -p container port.</summary>
    public static IReadOnlyList<ContainerPort> Union(IEnumerable<ContainerPort> exposed, IEnumerable<PortBinding> bindings) =>
        exposed.Concat(bindings.Select(b => b.Container)).Distinct().Order().ToList();
}
