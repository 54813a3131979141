using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Dataplane.Interop.Files;

namespace Dataplane.ControlPlane.State;

/// <summary>
/// One JSON document in a file, replaced atomically: write a temporary file, fsync it, rename it over
/// the old one, fsync the directory. A crash leaves either the old or the new document, never a torn
/// one. Reads check the schema version, after <paramref name="upgrade"/> (if any) brought an older
/// document to the current one. Saves are serialised by a lock.
/// </summary>
public sealed class DurableJsonFile<T>(string directory, string fileName, JsonTypeInfo<T> type, Func<T, int> schemaVersion, int currentSchemaVersion, string what,
    Func<JsonNode, JsonNode>? upgrade = null)
    where T : class
{
    private readonly Lock _lock = new();

    public string FilePath { get; } = Path.Combine(directory, fileName);

    /// <summary>The document, or null when the file does not exist yet.</summary>
    public T? Load()
    {
        lock (_lock)
        {
            if (!File.Exists(FilePath))
                return null;
            T? doc;
            try
            {
                var bytes = File.ReadAllBytes(FilePath);
                doc = upgrade is null
                    ? JsonSerializer.Deserialize(bytes, type)
                    : (JsonNode.Parse(bytes) is { } node ? upgrade(node).Deserialize(type) : null);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{what} {FilePath} is not valid: {e.Message}", e);
            }
            if (doc is null)
                throw new InvalidDataException($"{what} {FilePath} is empty");
            if (schemaVersion(doc) != currentSchemaVersion)
                throw new InvalidDataException(
                    $"{what} {FilePath} has schema version {schemaVersion(doc)}; this daemon reads version {currentSchemaVersion}");
            return doc;
        }
    }

    public void Save(T document)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, type);
        lock (_lock)
        {
            System.IO.Directory.CreateDirectory(directory);
            string temp = FilePath + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
            DirectorySync.Fsync(directory);
        }
    }
}
