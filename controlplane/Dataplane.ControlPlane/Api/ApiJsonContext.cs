using System.Text.Json;
using System.Text.Json.Serialization;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.Api;

/// <summary>Source-generated JSON for every type on the wire, shared by server and client.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(NetworkCreateRequest))]
[JsonSerializable(typeof(NetworkConnectRequest))]
[JsonSerializable(typeof(NetworkDisconnectRequest))]
[JsonSerializable(typeof(NetworkCreateResponse))]
[JsonSerializable(typeof(NetworkInfo))]
[JsonSerializable(typeof(IReadOnlyList<NetworkInfo>))]
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(WaitResponse))]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(ExecCreateResponse))]
[JsonSerializable(typeof(ExecInspectResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(IReadOnlyList<ContainerRecord>))]
[JsonSerializable(typeof(IReadOnlyList<PortMappingRecord>))]
[JsonSerializable(typeof(IReadOnlyList<PortCounters>))]
[JsonSerializable(typeof(IReadOnlyList<ConntrackFlowRecord>))]
[JsonSerializable(typeof(ConntrackFlushResponse))]
[JsonSerializable(typeof(IReadOnlyList<NatReservationRecord>))]
[JsonSerializable(typeof(MonitorEvent))]
[JsonSerializable(typeof(DaemonInfo))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
