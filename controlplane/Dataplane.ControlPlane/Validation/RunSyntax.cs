using System.Net;
using System.Text.RegularExpressions;
using Dataplane.ControlPlane.Api;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Ports;
using Dataplane.ControlPlane.Sandbox;

namespace Dataplane.ControlPlane.Validation;

/// <summary>
/// The checks of a run request that need no state, with Docker's texts. The CLI runs them before it
/// contacts the daemon, the daemon runs them again before any side effect.
/// </summary>
public static partial class RunSyntax
{
    public const string HostModePortsWarning = "WARNING: Published ports are discarded when using host network mode";

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+\z")]
    private static partial Regex ValidName();

    /// <summary>Longer names would not fit the sandbox's namespace name (/run/netns, 255 bytes) with any prefix.</summary>
    public const int MaxNameLength = 128;

    public static ParsedRun Parse(RunRequest r)
    {
        if (r.Command is null || r.Command.Count == 0 || string.IsNullOrEmpty(r.Command[0]))
            throw DataplaneException.Invalid("No command specified");
        NoNullItems(r.Command, "command");
        NoNullItems(r.Publish, "publish");
        NoNullItems(r.Expose, "expose");
        NoNullItems(r.Dns, "dns");
        NoNullItems(r.AddHosts, "add-host");
        NoNullItems(r.Links, "link");
        NoNullItems(r.Env, "env");
        NoNullItems(r.NetworkAliases, "network-alias");
        string? name = r.Name is null ? null : ValidateName(r.Name);
        var mode = NetworkModeSpec.Parse(r.Network);
        var bindings = new List<PortBinding>();
        foreach (var spec in r.Publish ?? [])
            PortSpecParser.Parse(spec, bindings);
        var exposed = ExposedPorts.Union((r.Expose ?? []).SelectMany(ExposedPorts.Parse), bindings);
        if (r.Hostname is not null)
            HostnameFile.Validate(r.Hostname);
        var dns = (r.Dns ?? []).Select(ParseDns).ToList();
        var extraHosts = (r.AddHosts ?? []).Select(HostEntry.Parse).ToList();
        var links = (r.Links ?? []).Select(ParseLink).ToList();
        var env = (r.Env ?? []).Select(e => EnvironmentVariables.Parse(e, _ => null)).OfType<string>().ToList();
        IPAddress? ip = r.Ip is null ? null : ParseIp(r.Ip);

        var warnings = new List<string>();
        CheckModeConflicts(mode, r, links.Count > 0, dns.Count > 0, extraHosts.Count > 0, ip is not null);
        var aliases = (r.NetworkAliases ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (aliases.Count > 0 && (mode.Kind != NetworkModeKind.Bridge || mode.Target == NetworkRecord.DefaultName))
            throw DataplaneException.Invalid("network-scoped alias is supported only for containers in user defined networks");
        if (mode.Kind == NetworkModeKind.Host && (bindings.Count > 0 || r.PublishAll))
        {
            warnings.Add(HostModePortsWarning);
            bindings = [];
        }
        var allBindings = mode.Kind is NetworkModeKind.Bridge
            ? ExposedPorts.WithPublishAll(exposed, bindings, r.PublishAll)
            : [];
        return new ParsedRun(r.Command, name, mode, allBindings, exposed, r.Hostname, dns, extraHosts, links, env, ip,
            r.Detach, r.AutoRemove, warnings, aliases);
    }

    private static void CheckModeConflicts(
        NetworkModeSpec mode, RunRequest r, bool links, bool dns, bool extraHosts, bool ip)
    {
        if (mode.Kind == NetworkModeKind.Container)
        {
            if (r.Hostname is not null)
                throw DataplaneException.Invalid("conflicting options: hostname and the network mode");
            if (links)
                throw DataplaneException.Invalid("conflicting options: container type network can't be used with links. This would result in undefined behavior");
            if (dns)
                throw DataplaneException.Invalid("conflicting options: dns and the network mode");
            if (extraHosts)
                throw DataplaneException.Invalid("conflicting options: custom host-to-IP mapping and the network mode");
            if ((r.Publish?.Count ?? 0) > 0 || r.PublishAll)
                throw DataplaneException.Invalid("conflicting options: port publishing and the container type network mode");
            if ((r.Expose?.Count ?? 0) > 0)
                throw DataplaneException.Invalid("conflicting options: port exposing and the container type network mode");
        }
        if (mode.Kind == NetworkModeKind.Host && links)
            throw DataplaneException.Invalid("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
        if (ip && mode.Kind != NetworkModeKind.Bridge)
            throw DataplaneException.Invalid("conflicting options: an IP address and the network mode");
    }

    private static void NoNullItems(IReadOnlyList<string>? items, string field)
    {
        if (items is not null && items.Any(i => i is null))
            throw DataplaneException.Invalid($"invalid {field}: an entry is null");
    }

    private static string ValidateName(string name)
    {
        if (name.Length > MaxNameLength)
            throw DataplaneException.Invalid($"Invalid container name: longer than {MaxNameLength} characters");
        if (!ValidName().IsMatch(name))
            throw DataplaneException.Invalid($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        return name.TrimStart('/');
    }

    private static IPAddress ParseDns(string text) =>
        IPAddress.TryParse(text, out var ip) && (text.Contains(':') || text.Count(c => c == '.') == 3)
            ? ip
            : throw DataplaneException.Invalid($"invalid argument \"{text}\" for \"--dns\" flag: IP address is not correctly formatted: {text}");

    private static IPAddress ParseIp(string text) =>
        text.Count(c => c == '.') == 3 && IPAddress.TryParse(text, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? ip
            : throw DataplaneException.Invalid($"invalid argument \"{text}\" for \"--ip\" flag: invalid string being converted to IP address: {text}");

    /// <summary>`--link NAME[:ALIAS]`; the alias defaults to the name.</summary>
    public static LinkRecord ParseLink(string text)
    {
        var parts = text.Split(':');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0))
            throw DataplaneException.Invalid($"invalid argument \"{text}\" for \"--link\" flag: invalid format: {text}");
        string name = parts[0].TrimStart('/');
        return new LinkRecord(name, parts.Length == 2 ? parts[1] : name);
    }
}
