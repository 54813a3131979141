namespace Dataplane.Cni;

/// <summary>The error codes of the CNI specification (1.1), plus the ones this plugin defines (100 and up).</summary>
public enum CniCode
{
    IncompatibleVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironment = 4,
    IoFailure = 5,
    DecodeFailure = 6,
    InvalidNetworkConfig = 7,
    TryAgainLater = 11,
    PluginNotAvailable = 50,

    /// <summary>The daemon refused: a host port or address is held by someone else.</summary>
    Conflict = 100,

    /// <summary>The daemon failed while carrying out the request.</summary>
    DaemonFailure = 101,

    /// <summary>A bug in the plugin itself.</summary>
    Internal = 102,
}

/// <summary>A failure reported to the runtime as a CNI error object on stdout, exit status 1.</summary>
public sealed class CniException(CniCode code, string message, string? details = null) : Exception(message)
{
    public CniCode Code { get; } = code;
    public string? Details { get; } = details;
}
