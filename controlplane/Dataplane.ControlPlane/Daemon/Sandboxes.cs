using Dataplane.ControlPlane.Host;
using Dataplane.ControlPlane.Model;
using Dataplane.ControlPlane.Sandbox;
using Dataplane.ControlPlane.Validation;
using Dataplane.Interop.Namespaces;
using Dataplane.Interop.Processes;

namespace Dataplane.ControlPlane.Daemon;

/// <summary>
/// The life of Dataplane's own sandboxes apart from their networking: the container directory and
/// its claim, the named network namespace, the private files bound over /etc, the isolation a
/// process starts in, and the checks a restart needs. Networking (endpoints, ports) is the engine's.
/// </summary>
public sealed class Sandboxes(NetworkHost host, string stateDirectory, IReadOnlyList<string> hidden)
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

    public NetworkNamespace OpenNamespace(string name) => host.OpenSandbox(name);

    public bool HostVethExists(string name) => host.LinkExists(name);

    /// <summary>Kills whatever still runs in the sandbox's network namespace (a process whose pid was never
    /// recorded, children that left the process tree), then deletes the namespace.</summary>
    public void DeleteNamespace(string name)
    {
        KillProcessesIn(name);
        host.DeleteSandbox(name);
    }

    /// <summary>Unlinks the sandbox's name only: processes still in it keep the namespace alive.</summary>
    public void ForgetNamespace(string name) => host.DeleteSandbox(name);

    /// <summary>SIGKILLs every process whose network namespace is this sandbox's; returns how many.</summary>
    public int KillProcessesIn(string name)
    {
        if (!NetworkNamespace.Exists(host.SandboxNamespaceName(name))) return 0;
        string identity;
        // Seen from inside: an fd of the /run/netns bind mount reads back as that path, not as the namespace.
        using (var ns = host.OpenSandbox(name))
            identity = ns.Run(() => NamespaceIdentity("/proc/thread-self/ns/net")) ?? throw new InvalidOperationException($"cannot read the identity of sandbox {name}");
        int killed = 0;
        for (int round = 0; round < 10; round++) // forks racing the kill are caught by the next round
        {
            var inside = System.IO.Directory.EnumerateDirectories("/proc")
                .Select(Path.GetFileName).Where(d => d!.All(char.IsAsciiDigit)).Select(d => int.Parse(d!, System.Globalization.CultureInfo.InvariantCulture))
                .Where(pid => pid != Environment.ProcessId && NamespaceIdentity($"/proc/{pid}/ns/net") == identity).ToList();
            if (inside.Count == 0) break;
            foreach (var pid in inside)
            {
                try
                {
                    using var p = System.Diagnostics.Process.GetProcessById(pid);
                    p.Kill();
                    killed++;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { } // already gone
            }
            Thread.Sleep(10);
        }
        return killed;
    }

    // "net:[4026532...]": the namespace's inode, the same through every path that refers to it.
    private static string? NamespaceIdentity(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the sandbox's hosts, resolv.conf and hostname, bound over /etc for its processes,
    /// and the command's environment (link variables included), which `start` uses again.</summary>
    public static void WriteFiles(string dir, SandboxFileSet files, IEnumerable<string> environment)
    {
        File.WriteAllText(Path.Combine(dir, "hosts"), files.Hosts);
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), files.ResolvConf);
        File.WriteAllText(Path.Combine(dir, "hostname"), files.Hostname);
        File.WriteAllText(Path.Combine(dir, EnvironmentFile), string.Join('\0', environment));
    }

    private const string EnvironmentFile = "environment";

    /// <summary>The environment run gave the command; null for a container recorded before it was kept.</summary>
    public IReadOnlyList<string>? ReadEnvironment(string id)
    {
        var path = Path.Combine(Directory(id), EnvironmentFile);
        return File.Exists(path) ? File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries) : null;
    }

    public static string ReadHostFile(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    /// <summary>
    /// What a container's processes see: its sandbox's network, hostname and private /etc/hosts,
    /// /etc/resolv.conf and /etc/hostname (those of <paramref name="owner"/>, the sandbox it joined for
    /// container:NAME). Host mode sees the host's network, and as in Docker still has a UTS namespace of
    /// its own (the host's name, or -h) and its own files. The caller disposes the namespace handle.
    /// </summary>
    public ProcessIsolation IsolationOf(ContainerRecord c, ContainerRecord owner)
    {
        var privileges = PrivilegeOptions.Parse(c.User, c.CapAdd, c.CapDrop, c.Privileged, ProcessPrivileges.Held(), UserDatabase.Host);
        var dir = Directory(owner.Id);
        var binds = new[] { "hosts", "resolv.conf", "hostname" }
            .Select(f => new BindMount(Path.Combine(dir, f), "/etc/" + f))
            .Where(b => File.Exists(b.Source) && File.Exists(b.Target)) // nothing to bind over on hosts without the file
            .ToList();
        var network = c.NetworkMode == "host" ? null : host.OpenSandbox(owner.Name);
        return new ProcessIsolation(network, owner.Hostname, binds, hidden, privileges);
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
