namespace Dataplane.ControlPlane.Model;

public enum NetworkModeKind
{
    Bridge,
    Host,
    None,
    Container,
}

/// <summary>`--network` text: "bridge" or a user network name, "host", "none" or "container:NAME".</summary>
public sealed record NetworkModeSpec(NetworkModeKind Kind, string Target)
{
    public static NetworkModeSpec Parse(string? text)
    {
        text = string.IsNullOrEmpty(text) || text == "default" ? NetworkRecord.DefaultName : text;
        if (text.StartsWith("container:", StringComparison.Ordinal))
        {
            var target = text["container:".Length..];
            if (target.Length == 0)
                throw DataplaneException.Invalid("invalid container format container:<name|id>");
            return new NetworkModeSpec(NetworkModeKind.Container, target);
        }
        return text switch
        {
            "host" => new NetworkModeSpec(NetworkModeKind.Host, text),
            "none" => new NetworkModeSpec(NetworkModeKind.None, text),
            _ => new NetworkModeSpec(NetworkModeKind.Bridge, text),
        };
    }

    public override string ToString() => Kind == NetworkModeKind.Container ? $"container:{Target}" : Target;
}
