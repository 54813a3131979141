using System.Globalization;
using Dataplane.ControlPlane.Ports;

namespace Dataplane.ControlPlane.Sandbox;

/// <summary>The environment variables of a --link, as moby's daemon/links builds them.</summary>
public static class LinkEnvironment
{
    /// <param name="parentName">The name of the container being created (the NAME_ variable is /parent/alias).</param>
    public static IReadOnlyList<string> Build(string parentName, LinkedContainer link)
    {
        string alias = link.Alias.ToUpperInvariant().Replace('-', '_');
        string ip = link.Address.ToString();
        var env = new List<string>();
        // By port number, tcp first on a tie; the first one is the default _PORT.
        var ports = link.ExposedPorts.Distinct().OrderBy(p => p.Port).ThenBy(p => p.Proto == Proto.Tcp ? 0 : 1).ToList();
        if (ports.Count > 0)
            env.Add(string.Create(CultureInfo.InvariantCulture, $"{alias}_PORT={ports[0].Proto.Name()}://{ip}:{ports[0].Port}"));
        // Runs of three or more contiguous port numbers also get _START/_END variables (moby's nextContiguous).
        for (int i = 0; i < ports.Count;)
        {
            int j = NextContiguous(ports, i);
            if (j > i + 1)
            {
                var (p, q) = (ports[i], ports[j]);
                string prefix = Prefix(alias, p);
                env.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}_START={p.Proto.Name()}://{ip}:{p.Port}"));
                env.Add($"{prefix}_ADDR={ip}");
                env.Add($"{prefix}_PROTO={p.Proto.Name()}");
                env.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}_PORT_START={p.Port}"));
                string endPrefix = string.Create(CultureInfo.InvariantCulture, $"{alias}_PORT_{p.Port}_{q.Proto.Name().ToUpperInvariant()}");
                env.Add(string.Create(CultureInfo.InvariantCulture, $"{endPrefix}_END={q.Proto.Name()}://{ip}:{q.Port}"));
                env.Add(string.Create(CultureInfo.InvariantCulture, $"{endPrefix}_PORT_END={q.Port}"));
                i = j + 1;
            }
            else
            {
                i++;
            }
        }
        foreach (var p in ports)
        {
            string proto = p.Proto.Name(), prefix = Prefix(alias, p);
            env.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}={proto}://{ip}:{p.Port}"));
            env.Add($"{prefix}_ADDR={ip}");
            env.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}_PORT={p.Port}"));
            env.Add($"{prefix}_PROTO={proto}");
        }
        env.Add($"{alias}_NAME=/{parentName}/{link.Alias}");
        foreach (var v in link.Env)
        {
            int eq = v.IndexOf('=');
            if (eq <= 0)
                continue;
            string name = v[..eq];
            if (name is "HOME" or "PATH")
                continue;
            env.Add($"{alias}_ENV_{name}={v[(eq + 1)..]}");
        }
        return env;
    }

    private static string Prefix(string alias, ContainerPort p) =>
        string.Create(CultureInfo.InvariantCulture, $"{alias}_PORT_{p.Port}_{p.Proto.Name().ToUpperInvariant()}");

    // The index of the last port of the run starting at index whose numbers go up by one (moby compares numbers only).
    private static int NextContiguous(List<ContainerPort> ports, int index)
    {
        if (index + 1 == ports.Count)
            return index;
        int value = ports[index].Port;
        for (int i = index + 1; i < ports.Count; i++)
        {
            if (ports[i].Port > value + 1)
                return i - 1;
            value++;
        }
        return ports.Count - 1;
    }
}
