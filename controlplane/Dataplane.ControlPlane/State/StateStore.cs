using System.Text.Json;
using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.State;

/// <summary>
/// The daemon's persistent state in one JSON file, replaced atomically: write a temporary file,
/// fsync it, rename it over the old one, fsync the directory. A crash leaves either the old or the
/// new document, never a torn one. Saves are serialised by a lock.
/// </summary>
public sealed class StateStore
{
    public const string FileName = "state.json";

    private readonly Lock _lock = new();

    public StateStore(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    public StateDocument Load()
    {
        lock (_lock)
        {
            if (!File.Exists(FilePath))
                return StateDocument.Empty;
            StateDocument? doc;
            try
            {
                doc = JsonSerializer.Deserialize(File.ReadAllBytes(FilePath), StateJsonContext.Default.StateDocument);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"state file {FilePath} is not valid: {e.Message}", e);
            }
            if (doc is null)
                throw new InvalidDataException($"state file {FilePath} is empty");
            if (doc.SchemaVersion != StateDocument.CurrentSchemaVersion)
                throw new InvalidDataException(
                    $"state file {FilePath} has schema version {doc.SchemaVersion}; this daemon reads version {StateDocument.CurrentSchemaVersion}");
            return doc;
        }
    }

    public void Save(StateDocument document)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document with { SchemaVersion = StateDocument.CurrentSchemaVersion },
            StateJsonContext.Default.StateDocument);
        lock (_lock)
        {
            string temp = FilePath + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
            Dataplane.Interop.Files.DirectorySync.Fsync(Directory);
        }
    }
}
