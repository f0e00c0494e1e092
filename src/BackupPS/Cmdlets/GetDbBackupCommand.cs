using System.Management.Automation;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Get, "DbBackup")]
[OutputType(typeof(DbBackup))]
public sealed class GetDbBackupCommand : DestinationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Destination { get; set; } = [];

    [Parameter]
    public SwitchParameter Latest { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(BackupIdCompleter))]
    public string[]? Id { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string[]? DatabaseName { get; set; }

    [Parameter]
    public DbBackupType[]? Type { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Tag { get; set; }

    [Parameter]
    public DateTime? Before { get; set; }

    [Parameter]
    public DateTime? After { get; set; }

    protected override void ProcessRecord()
    {
        var query = new BackupQuery
        {
            Ids = Id,
            DatabaseNames = DatabaseName,
            Types = Type?.Select(t => Enum.Parse<BackupType>(t.ToString())).ToArray(),
            Tags = Tag,
            Before = Before is null ? null : new DateTimeOffset(Before.Value.ToUniversalTime()),
            After = After is null ? null : new DateTimeOffset(After.Value.ToUniversalTime()),
            Latest = Latest,
        };
        foreach (var location in Destination)
        {
            var path = ResolveLocation(location);
            Try(() =>
            {
                var records = OpenDestination(path).List(problem => WriteError(ErrorFor(problem, path)));
                var found = query.Apply(records).ToArray();
                foreach (var record in found) WriteObject(DbBackup.From(record));
                foreach (var missing in query.Unmatched(found, location)) WriteError(ErrorFor(missing, missing.Target));
            }, path);
        }
    }
}
