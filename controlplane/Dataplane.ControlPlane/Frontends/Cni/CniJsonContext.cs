using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>Source-generated JSON for the CNI routes and the attachments file.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CniAttachRequest))]
[JsonSerializable(typeof(CniAttachment))]
[JsonSerializable(typeof(CniGcRequest))]
[JsonSerializable(typeof(CniGcResponse))]
[JsonSerializable(typeof(CniStatusResponse))]
[JsonSerializable(typeof(CniAttachmentsDocument))]
internal sealed partial class CniJsonContext : JsonSerializerContext;
