using Dataplane.ControlPlane.Model;

namespace Dataplane.ControlPlane.State;

/// <summary>The daemon's persistent state: one JSON document in state.json, replaced atomically.</summary>
public sealed class StateStore
{
    public const string FileName = "state.json";

    private readonly DurableJsonFile<StateDocument> _file;

    public StateStore(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        _file = new(directory, FileName, StateJsonContext.Default.StateDocument, d => d.SchemaVersion, StateDocument.CurrentSchemaVersion, "state file",
            StateMigrations.Upgrade);
    }

    public string Directory { get; }

    public string FilePath => _file.FilePath;

    public StateDocument Load() => _file.Load() ?? StateDocument.Empty;

    public void Save(StateDocument document) => _file.Save(document with { SchemaVersion = StateDocument.CurrentSchemaVersion });
}
