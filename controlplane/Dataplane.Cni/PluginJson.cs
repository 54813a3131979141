using System.Text.Json;
using System.Text.Json.Serialization;
using Dataplane.ControlPlane.Frontends.Cni;

namespace Dataplane.Cni;

/// <summary>The daemon's error body: `{ "message": ... }`.</summary>
public sealed record DaemonError(string? Message);

/// <summary>Source-generated JSON: the stdin configuration (names as CNI spells them, any case) and the daemon's wire types.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NetworkConfig))]
[JsonSerializable(typeof(CniAttachRequest))]
[JsonSerializable(typeof(CniAttachment))]
[JsonSerializable(typeof(CniGcRequest))]
[JsonSerializable(typeof(CniGcResponse))]
[JsonSerializable(typeof(CniStatusResponse))]
[JsonSerializable(typeof(DaemonError))]
internal sealed partial class PluginJson : JsonSerializerContext;
