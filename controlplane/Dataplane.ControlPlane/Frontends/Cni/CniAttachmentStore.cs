using System.Text.Json;
using Dataplane.ControlPlane.State;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>The attachments file: what the CNI frontend owns, for reconcile after a restart.</summary>
public sealed record CniAttachmentsDocument(int SchemaVersion, IReadOnlyList<CniAttachment> Attachments)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>
/// The CNI attachments in their own JSON file in the daemon's state directory, replaced atomically
/// like <see cref="StateStore"/>: temporary file, fsync, rename, fsync of the directory.
/// </summary>
public sealed class CniAttachmentStore
{
    public const string FileName = "cni-attachments.json";

    private readonly Lock _lock = new();

    public CniAttachmentStore(string stateDirectory)
    {
        Directory = stateDirectory;
        System.IO.Directory.CreateDirectory(stateDirectory);
    }

    public string Directory { get; }

    public string FilePath => Path.Combine(Directory, FileName);

    public IReadOnlyList<CniAttachment> Load()
    {
        lock (_lock)
        {
            if (!File.Exists(FilePath))
                return [];
            CniAttachmentsDocument? doc;
            try
            {
                doc = JsonSerializer.Deserialize(File.ReadAllBytes(FilePath), CniJsonContext.Default.CniAttachmentsDocument);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"CNI attachments file {FilePath} is not valid: {e.Message}", e);
            }
            if (doc is null)
                throw new InvalidDataException($"CNI attachments file {FilePath} is empty");
            if (doc.SchemaVersion != CniAttachmentsDocument.CurrentSchemaVersion)
                throw new InvalidDataException(
                    $"CNI attachments file {FilePath} has schema version {doc.SchemaVersion}; this daemon reads version {CniAttachmentsDocument.CurrentSchemaVersion}");
            return doc.Attachments;
        }
    }

    public void Save(IReadOnlyList<CniAttachment> attachments)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new CniAttachmentsDocument(CniAttachmentsDocument.CurrentSchemaVersion, attachments),
            CniJsonContext.Default.CniAttachmentsDocument);
        lock (_lock)
        {
            string temp = FilePath + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
            DirectorySync.Fsync(Directory);
        }
    }
}
