namespace Dataplane.ControlPlane.Api;

/// <summary>An error the daemon answered with (status and its `message`).</summary>
public sealed class ApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>The daemon's socket could not be reached.</summary>
public sealed class DaemonUnreachableException(string host, Exception inner)
    : Exception($"Cannot connect to the Dataplane daemon at {host}. Is the dataplane daemon running?", inner);
