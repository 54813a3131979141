using System.Text.Json;
using Dataplane.Cni;

// dataplane-cni: a chained CNI plugin (spec 1.1) that hands the host veth and the port mappings of a
// sandbox to the running dataplane daemon. Results and errors go to stdout as the spec says; exit
// status 1 on error.
using var stdout = Console.OpenStandardOutput();
string version = "1.1.0";
try
{
    var env = CniEnvironment.Read(Environment.GetEnvironmentVariable);
    byte[] stdin = ReadAll(Console.OpenStandardInput());
    if (env.Command == "VERSION")
    {
        Commands.Version(stdin, stdout);
        return 0;
    }
    var config = NetworkConfig.Parse(stdin);
    version = config.CniVersion!;
    switch (env.Command)
    {
        case "ADD": Commands.Add(env, config, stdout); break;
        case "DEL": Commands.Del(env, config); break;
        case "CHECK": Commands.Check(env, config); break;
        case "GC": Commands.Gc(config); break;
        case "STATUS": Commands.Status(config); break;
    }
    return 0;
}
catch (CniException e)
{
    WriteError(e.Code, e.Message, e.Details);
    return 1;
}
catch (IOException e)
{
    WriteError(CniCode.IoFailure, e.Message, null);
    return 1;
}
catch (Exception e)
{
    WriteError(CniCode.Internal, "dataplane-cni failed: " + e.Message, e.GetType().Name);
    return 1;
}

static byte[] ReadAll(Stream input)
{
    using var buffer = new MemoryStream();
    input.CopyTo(buffer);
    return buffer.ToArray();
}

void WriteError(CniCode code, string message, string? details)
{
    using var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
    w.WriteStartObject();
    w.WriteString("cniVersion", version);
    w.WriteNumber("code", (int)code);
    w.WriteString("msg", message);
    if (details is not null) w.WriteString("details", details);
    w.WriteEndObject();
}
