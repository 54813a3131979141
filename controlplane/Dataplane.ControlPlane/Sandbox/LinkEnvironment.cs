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
        // TCP first, each protocol by port number: the first one is the default _PORT.
        var ports = link.ExposedPorts.Distinct()
            .OrderBy(p => p.Proto == Proto.Tcp ? 0 : 1).ThenBy(p => p.Port).ThenBy(p => p.Proto).ToList();
        if (ports.Count > 0)
            env.Add(string.Create(CultureInfo.InvariantCulture, $"{alias}_PORT={ports[0].Proto.Name()}://{ip}:{ports[0].Port}"));
        foreach (var p in ports)
        {
            string proto = p.Proto.Name(), prefix = string.Create(CultureInfo.InvariantCulture, $"{alias}_PORT_{p.Port}_{proto.ToUpperInvariant()}");
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
}
