namespace Dataplane.ControlPlane;

/// <summary>What kind of failure a user-facing error is; the API maps it to an HTTP status.</summary>
public enum ErrorKind
{
    InvalidArgument = 400,
    NotFound = 404,
    Conflict = 409,
    Internal = 500,
}

/// <summary>A failure whose message is shown to the user verbatim (worded like Docker's).</summary>
public sealed class DataplaneException(ErrorKind kind, string message) : Exception(message)
{
    public ErrorKind Kind { get; } = kind;

    public static DataplaneException Invalid(string message) => new(ErrorKind.InvalidArgument, message);
    public static DataplaneException NotFound(string message) => new(ErrorKind.NotFound, message);
    public static DataplaneException Conflict(string message) => new(ErrorKind.Conflict, message);
}
