using System.Diagnostics;
using System.Text.Json.Nodes;
using Dataplane.Interop.Namespaces;

namespace Dataplane.Tests.Cni;

/// <summary>What one sandbox interface is: the runtime's container id, the sandbox's netns path, the interface name, the runtime config.</summary>
public sealed record CniInvocation(string ContainerId, string? NetNs, string IfName, JsonObject? RuntimeConfig = null, string? Args = null);

/// <summary>One plugin execution: its exit status and what it printed.</summary>
public sealed record CniRun(string Plugin, string Command, int ExitCode, string Stdout, string Stderr)
{
    public JsonNode? Output => string.IsNullOrWhiteSpace(Stdout) ? null : JsonNode.Parse(Stdout);

    /// <summary>The CNI error code the plugin reported (null on success).</summary>
    public int? ErrorCode => ExitCode == 0 ? null : (int?)Output?["code"];

    public string? ErrorMessage => ExitCode == 0 ? null : (string?)Output?["msg"];

    public override string ToString() => $"{Plugin} {Command} exited {ExitCode}: {Stdout} {Stderr}";
}

/// <summary>
/// A network configuration list driven exactly as libcni drives it: each plugin executed with the
/// CNI_* environment and its own configuration on stdin (the list's name and cniVersion added, the
/// previous result as prevResult, runtimeConfig reduced to the capabilities the plugin declares);
/// ADD in order, DEL in reverse with the cached result, CHECK in order with it. Plugins run inside
/// the fake host namespace (nsenter --net), so the real host is never touched.
/// </summary>
public sealed class CniConflist(NetworkNamespace host, string name, string cniVersion, params JsonObject[] plugins)
{
    public const string ReferencePluginDir = "/usr/lib/cni";

    public string Name => name;
    public string CniVersion => cniVersion;

    /// <summary>ADD through the list; stops at the first failure. The last run's output is the list's result.</summary>
    public List<CniRun> Add(CniInvocation inv)
    {
        var runs = new List<CniRun>();
        JsonNode? prev = null;
        foreach (var plugin in plugins)
        {
            var run = Exec(plugin, "ADD", inv, prev);
            runs.Add(run);
            if (run.ExitCode != 0) break;
            prev = run.Output;
        }
        return runs;
    }

    public List<CniRun> Del(CniInvocation inv, JsonNode? cachedResult)
        => plugins.Reverse().Select(p => Exec(p, "DEL", inv, cachedResult)).ToList();

    public List<CniRun> Check(CniInvocation inv, JsonNode cachedResult)
        => plugins.Select(p => Exec(p, "CHECK", inv, cachedResult)).ToList();

    public CniRun Exec(JsonObject plugin, string command, CniInvocation? inv, JsonNode? prevResult, Action<JsonObject>? edit = null)
    {
        var conf = (JsonObject)plugin.DeepClone();
        conf["name"] = name;
        conf["cniVersion"] = cniVersion;
        if (prevResult is not null) conf["prevResult"] = prevResult.DeepClone();
        if (inv?.RuntimeConfig is { } runtime && plugin["capabilities"] is JsonObject caps)
        {
            var granted = new JsonObject();
            foreach (var (key, value) in runtime)
                if (caps[key] is JsonValue v && v.GetValue<bool>()) granted[key] = value?.DeepClone();
            if (granted.Count > 0) conf["runtimeConfig"] = granted;
        }
        edit?.Invoke(conf);
        var env = new Dictionary<string, string?>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = inv?.ContainerId,
            ["CNI_NETNS"] = inv?.NetNs,
            ["CNI_IFNAME"] = inv?.IfName,
            ["CNI_ARGS"] = inv?.Args,
            ["CNI_PATH"] = CniPath,
        };
        string type = (string)plugin["type"]!;
        return Run(host, type, PluginPath(type), env, conf.ToJsonString());
    }

    /// <summary>Where libcni would find the plugins: the reference ones, then ours.</summary>
    public static string CniPath => $"{ReferencePluginDir}:{Path.GetDirectoryName(DataplaneCni.Binary)}";

    public static string PluginPath(string type) => type == "dataplane-cni" ? DataplaneCni.Binary : Path.Combine(ReferencePluginDir, type);

    /// <summary>Runs a plugin binary with exactly the given environment (nothing inherited but PATH) and stdin; in <paramref name="ns"/> when given.</summary>
    public static CniRun Run(NetworkNamespace? ns, string plugin, string binary, IDictionary<string, string?> env, string stdin)
    {
        var info = ns is null
            ? new ProcessStartInfo(binary)
            : new ProcessStartInfo("nsenter") { ArgumentList = { $"--net={NetworkNamespace.PathOf(ns.Name!)}", "--", binary } };
        info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (key, value) in env)
            if (value is not null) info.Environment[key] = value;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            // Through the pipe itself: nothing stays buffered in the writer to fail again when it is disposed.
            p.StandardInput.BaseStream.Write(System.Text.Encoding.UTF8.GetBytes(stdin));
            p.StandardInput.BaseStream.Close();
        }
        catch (IOException)
        {
            // A plugin may refuse a bad environment before it reads its configuration (EPIPE): its answer is what counts.
        }
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        return new CniRun(plugin, env.TryGetValue("CNI_COMMAND", out var c) ? c ?? "" : "", p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The NativeAOT dataplane-cni that `make build` publishes.</summary>
public static class DataplaneCni
{
    public static string Binary { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dataplane.sln")))
            {
                var binary = Path.Combine(dir.FullName, "controlplane", "Dataplane.Cni", "bin", "aot", "dataplane-cni");
                return File.Exists(binary) ? binary : throw new FileNotFoundException($"{binary} is missing: run `make build` (it publishes the plugin NativeAOT)");
            }
        throw new DirectoryNotFoundException("the repository root (Dataplane.sln) is not above " + AppContext.BaseDirectory);
    }
}
