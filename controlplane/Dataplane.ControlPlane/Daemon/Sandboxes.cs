using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.Interop.Namespaces;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// The life of Dataplane's own sandboxes apart from their networking: the container directory and
/// its claim, the named network namespace, the private files bound over /etc, the isolation a
/// process starts in, and the checks a restart needs. Networking (endpoints, ports) is the engine's.
/// </summary>
public sealed class Sandboxes(NetworkHost host, string stateDirectory)
{
    private const string Claim = "sandbox";

    public string Directory(string id) => Path.Combine(stateDirectory, "containers", id);

    /// <summary>The container directory, with the namespace's name claimed before it exists: after a
    /// crash, reconcile deletes only namespaces it can prove are ours.</summary>
    public string CreateDirectory(string id, string? sandboxName)
    {
        var dir = System.IO.Directory.CreateDirectory(Directory(id)).FullName;
        if (sandboxName is not null) File.WriteAllText(Path.Combine(dir, Claim), host.SandboxNamespaceName(sandboxName));
        return dir;
    }

    public void DeleteDirectory(string id)
    {
        var dir = Directory(id);
        if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, recursive: true);
    }

    public NetworkNamespace CreateNamespace(string name) => host.CreateSandbox(name);

    public void DeleteNamespace(string name) => host.DeleteSandbox(name);

    /// <summary>Writes the sandbox's hosts, resolv.conf and hostname, bound over /etc for its processes.</summary>
    public static void WriteFiles(string dir, SandboxFileSet files)
    {
        File.WriteAllText(Path.Combine(dir, "hosts"), files.Hosts);
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), files.ResolvConf);
        File.WriteAllText(Path.Combine(dir, "hostname"), files.Hostname);
    }

    public static string ReadHostFile(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    /// <summary>
    /// What a container's processes see: its sandbox's network, hostname and private /etc/hosts,
    /// /etc/resolv.conf and /etc/hostname (those of <paramref name="owner"/>, the sandbox it joined for
    /// container:NAME); host mode sees the host's. The caller disposes the namespace handle.
    /// </summary>
    public ProcessIsolation IsolationOf(ContainerRecord c, ContainerRecord owner)
    {
        if (c.NetworkMode == "host") return new ProcessIsolation(null);
        var dir = Directory(owner.Id);
        var binds = new[] { "hosts", "resolv.conf", "hostname" }
            .Select(f => new BindMount(Path.Combine(dir, f), "/etc/" + f))
            .Where(b => File.Exists(b.Target)) // nothing to bind over on hosts without the file
            .ToList();
        return new ProcessIsolation(host.OpenSandbox(owner.Name), owner.Hostname, binds);
    }

    /// <summary>The process still runs, and in this sandbox (not another process that took the pid).</summary>
    public bool RunsIn(ProcessIsolation isolation, int pid)
    {
        if (!SandboxProcess.IsAlive(pid)) return false;
        if (isolation.Network is null) return true; // host mode: nothing more to compare
        try
        {
            using var its = NetworkNamespace.OpenPid(pid);
            return its.Cookie == isolation.Network.Cookie;
        }
        catch (Interop.InteropException)
        {
            return false;
        }
    }

    /// <summary>
    /// A crash between creating a sandbox and recording its container leaves a container directory
    /// with no record: its claimed namespace and the directory go. Namespaces nobody claimed (an
    /// operator's own, even with our prefix) are never touched.
    /// </summary>
    public void RemoveUnrecorded(IReadOnlySet<string> recordedIds)
    {
        var root = Path.Combine(stateDirectory, "containers");
        if (!System.IO.Directory.Exists(root)) return;
        foreach (var dir in System.IO.Directory.GetDirectories(root).Where(d => !recordedIds.Contains(Path.GetFileName(d))))
        {
            var claim = Path.Combine(dir, Claim);
            if (File.Exists(claim)) NetworkNamespace.Delete(File.ReadAllText(claim));
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }
}
