using System.Management.Automation;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

/// <summary>Cmdlets that act on backups: a DbBackup from the pipeline (InputObject) or a backup file (Path).</summary>
public abstract class BackupInputCmdlet : MeteredDbBackupCmdlet
{
    protected const string InputObjectSet = "InputObject";
    protected const string PathSet = "Path";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [ValidateNotNull]
    public DbBackup[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName", "PSPath", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Each backup named by this invocation: its record when listed (sidecar), else its resolved file path or s3:// key.
    /// A listed backup carries its destination (an S3 one with its endpoint and credentials), so it needs no -S3* again.</summary>
    protected IEnumerable<(BackupRecord? Record, string Path)> Backups()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var backup in InputObject) yield return (backup.Record ?? FindRecord(backup.Path), backup.Path);
            yield break;
        }
        foreach (var given in Path)
        {
            var path = ResolveLocation(given);
            if (!BackupPS.Engine.Destinations.StoreRegistry.HasScheme(path))
            {
                yield return (null, path);
                continue;
            }
            // A store key (s3://...): its sidecar is read here, with the store parameters; a missing one was reported by FindRecord.
            if (FindRecord(path) is { } record) yield return (record, record.Path);
        }
    }

    protected BackupRecord? FindRecord(string path)
    {
        BackupRecord? record = null;
        Try(() => record = BackupLocator.FromPath(path, Stores), path);
        return record;
    }
}
