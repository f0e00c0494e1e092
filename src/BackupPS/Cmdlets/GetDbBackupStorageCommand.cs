using System.Management.Automation;
using BackupPS.Engine.Health;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Get, "DbBackupStorage")]
[OutputType(typeof(DbBackupStorage))]
public sealed class GetDbBackupStorageCommand : DestinationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Destination { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? DatabaseName { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var folder in Destination)
        {
            var path = ResolveLocation(folder);
            Try(() =>
            {
                var stats = StorageStatistics.Compute(path, DatabaseName, problem => WriteError(ErrorFor(problem, path)), Stores);
                if (stats.Count == 0) WriteVerbose($"No listed backups{(DatabaseName is null ? "" : " of " + string.Join(", ", DatabaseName))} in '{path}'.");
                foreach (var s in stats) WriteObject(DbBackupStorage.From(s));
            }, path);
        }
    }
}
