using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Api;

// The HTTP/JSON contract between the CLI and the daemon. Errors: a non-2xx status with ErrorResponse.

public sealed record ErrorResponse(string Message);

public sealed record NetworkCreateRequest(
    string Name,
    string? Subnet = null,
    string? Gateway = null,
    bool Internal = false,
    IReadOnlyDictionary<string, string>? Options = null)
{
    /// <summary>--ipv6: the network is dual-stack; SubnetV6/GatewayV6 (optional) its IPv6 side.</summary>
    public bool EnableIPv6 { get; init; }

    public string? SubnetV6 { get; init; }

    public string? GatewayV6 { get; init; }
}

public sealed record NetworkCreateResponse(string Id, IReadOnlyList<string> Warnings);

public sealed record EndpointInfo(string Name, string Id, string? IpAddress, string? MacAddress);

public sealed record NetworkInfo(NetworkRecord Network, IReadOnlyList<EndpointInfo> Containers);

/// <summary>`dataplane run`: every field as the user typed it (-e already resolved from the caller's environment).</summary>
public sealed record RunRequest(
    IReadOnlyList<string> Command,
    string? Name = null,
    string? Network = null,
    IReadOnlyList<string>? Publish = null,
    bool PublishAll = false,
    IReadOnlyList<string>? Expose = null,
    string? Hostname = null,
    IReadOnlyList<string>? Dns = null,
    IReadOnlyList<string>? AddHosts = null,
    IReadOnlyList<string>? Links = null,
    IReadOnlyList<string>? Env = null,
    string? Ip = null,
    bool Detach = false,
    bool AutoRemove = false,
    string? User = null,
    IReadOnlyList<string>? CapAdd = null,
    IReadOnlyList<string>? CapDrop = null,
    bool Privileged = false,
    IReadOnlyList<string>? NetworkAliases = null);

public sealed record RunResponse(string Id, IReadOnlyList<string> Warnings);

public sealed record WaitResponse(int ExitCode);

/// <summary>`dataplane exec` (Docker's exec create): -i is AttachStdin, -t Tty with the caller's ConsoleSize [rows, columns].</summary>
public sealed record ExecRequest(
    IReadOnlyList<string> Command,
    IReadOnlyList<string>? Env = null,
    string? WorkingDir = null,
    string? User = null,
    bool AttachStdin = false,
    bool Tty = false,
    IReadOnlyList<int>? ConsoleSize = null);

public sealed record ExecCreateResponse(string Id);

/// <summary>An exec's state (Docker's GET /exec/ID/json): ExitCode is null while it runs.</summary>
public sealed record ExecInspectResponse(string Id, string ContainerId, bool Running, int? ExitCode, int Pid);

/// <summary>One published port of a container with what it has carried (its data-path counters).</summary>
public sealed record PortCounters(string HostIp, int HostPort, int ContainerPort, string Proto, ulong Packets, ulong Bytes);

/// <summary>The routes, in one place for the server and the client.</summary>
/// <summary>`network connect`: the container, its aliases on the network and the IPv4 address it asks for (Docker's EndpointConfig, flattened).</summary>
public sealed record NetworkConnectRequest(string Container, IReadOnlyList<string>? Aliases = null, string? IPv4Address = null);

/// <summary>`network disconnect [-f]`.</summary>
public sealed record NetworkDisconnectRequest(string Container, bool Force = false);

public static class Routes
{
    public const string Networks = "/networks";
    public const string Containers = "/containers";

    public static string Network(string name) => $"{Networks}/{Uri.EscapeDataString(name)}";

    public static string Container(string name) => $"{Containers}/{Uri.EscapeDataString(name)}";

    public static string Wait(string name) => $"{Container(name)}/wait";

    public static string Exec(string name) => $"{Container(name)}/exec";

    public static string Logs(string name, LogOptions options) => $"{Container(name)}/logs?{options.Query()}";

    public static string Port(string name) => $"{Container(name)}/port";

    public static string PortCounters(string name) => $"{Container(name)}/port/counters";

    public static string Remove(string name, bool force) => $"{Container(name)}?force={(force ? "true" : "false")}";

    public static string Stop(string name, int? timeout) => $"{Container(name)}/stop{(timeout is { } t ? $"?t={t}" : "")}";

    public static string Start(string name) => $"{Container(name)}/start";

    public static string Restart(string name, int? timeout) => $"{Container(name)}/restart{(timeout is { } t ? $"?t={t}" : "")}";

    public static string Kill(string name, string? signal) => $"{Container(name)}/kill{(signal is null ? "" : "?signal=" + Uri.EscapeDataString(signal))}";

    public const string Execs = "/exec";

    /// <summary>POST: with `Connection: Upgrade`/`Upgrade: tcp` the connection carries the streams (Docker's hijack), with detach=true nothing.</summary>
    public static string ExecStart(string id, bool detach) => $"{Execs}/{Uri.EscapeDataString(id)}/start{(detach ? "?detach=true" : "")}";

    public static string ExecResize(string id, int rows, int columns) => $"{Execs}/{Uri.EscapeDataString(id)}/resize?h={rows}&w={columns}";

    public static string ExecInspect(string id) => $"{Execs}/{Uri.EscapeDataString(id)}/json";
}

/// <summary>GET /version: the daemon's part of `dataplane version` (Docker's Server/Engine section).</summary>
public sealed record VersionResponse(string Version, string ApiVersion, string GitCommit, string DotnetVersion, string Os, string Arch, string KernelVersion);

public static class VersionRoute
{
    public const string Path = "/version";
}

/// <summary>`docker logs`' selection: Since/Until as UTC ticks (the API takes Unix seconds), Tail the last N lines.</summary>
public sealed record LogOptions(bool Follow = false, bool Timestamps = false, long? Since = null, long? Until = null, int? Tail = null)
{
    public string Query() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"follow={(Follow ? "true" : "false")}&timestamps={(Timestamps ? "true" : "false")}&since={Seconds(Since)}&until={Seconds(Until)}&tail={(Tail is int t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all")}");

    private static string Seconds(long? ticks) => ticks is long t ? ((decimal)(t - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";

    /// <summary>Unix seconds (a fraction allowed) as ticks; empty or 0 is none, as in Docker.</summary>
    public static long? ParseSeconds(string? text, string name) =>
        string.IsNullOrEmpty(text) ? null
        : decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var s)
            ? (s == 0 ? null : DateTime.UnixEpoch.Ticks + (long)(s * TimeSpan.TicksPerSecond))
            : throw DataplaneException.Invalid($"invalid value for \"{name}\": \"{text}\"");

    public static int? ParseTail(string? text) =>
        string.IsNullOrEmpty(text) || text == "all" ? null
        : int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int n) ? (n < 0 ? null : n)
        : throw DataplaneException.Invalid($"invalid value for \"tail\": \"{text}\"");
}

