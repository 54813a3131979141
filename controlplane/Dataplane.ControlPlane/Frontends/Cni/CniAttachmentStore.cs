using Dataplane.ControlPlane.State;

namespace Dataplane.ControlPlane.Frontends.Cni;

/// <summary>The attachments file: what the CNI frontend owns, for reconcile after a restart.</summary>
public sealed record CniAttachmentsDocument(int SchemaVersion, IReadOnlyList<CniAttachment> Attachments)
{
    public const int CurrentSchemaVersion = 1;
}

/// <summary>The CNI attachments in their own JSON file in the daemon's state directory, replaced atomically.</summary>
public sealed class CniAttachmentStore(string stateDirectory)
{
    public const string FileName = "cni-attachments.json";

    private readonly DurableJsonFile<CniAttachmentsDocument> _file = new(stateDirectory, FileName, CniJsonContext.Default.CniAttachmentsDocument,
        d => d.SchemaVersion, CniAttachmentsDocument.CurrentSchemaVersion, "CNI attachments file");

    public string FilePath => _file.FilePath;

    public IReadOnlyList<CniAttachment> Load() => _file.Load()?.Attachments ?? [];

    public void Save(IReadOnlyList<CniAttachment> attachments)
        => _file.Save(new CniAttachmentsDocument(CniAttachmentsDocument.CurrentSchemaVersion, attachments));
}
