using System.Management.Automation;
using BackupPS.Engine.Audit;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Get, "DbBackupAuditLog")]
[OutputType(typeof(DbBackupAuditEntry))]
public sealed class GetDbBackupAuditLogCommand : DestinationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Destination { get; set; } = [];

    [Parameter]
    [ValidateSet("New", "Test", "Restore", "Remove", "Retention", "Import", "Copy")]
    public string[]? Operation { get; set; }

    [Parameter]
    [ValidateSet("Succeeded", "Failed", "Skipped", "Kept", "Removed")]
    public string[]? Result { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? DatabaseName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    [Parameter]
    public DateTime? After { get; set; }

    [Parameter]
    public DateTime? Before { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    private readonly List<AuditEntry> _entries = [];
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        foreach (var folder in Destination)
        {
            var path = ResolveLocation(folder);
            if (!_read.Add(path)) continue; // backups piped from Get-DbBackup name their folder once each
            Try(() => _entries.AddRange(AuditLog.Read(OpenDestination(path), (line, why) =>
                WriteWarning($"Skipped line {line} of the audit log of '{path}': it is not a complete audit entry ({why})."))), path);
        }
    }

    // Several destinations (or pipeline input) make one log, in time order; -Last applies to the whole.
    protected override void EndProcessing()
    {
        var query = new AuditQuery
        {
            Operations = Operation?.Select(o => Enum.Parse<AuditOperation>(o, ignoreCase: true)).ToArray(),
            Results = Result?.Select(r => Enum.Parse<AuditResult>(r, ignoreCase: true)).ToArray(),
            DatabaseNames = DatabaseName,
            Ids = Id,
            After = After is null ? null : new DateTimeOffset(After.Value.ToUniversalTime()),
            Before = Before is null ? null : new DateTimeOffset(Before.Value.ToUniversalTime()),
            Last = Last,
        };
        foreach (var entry in query.Apply(_entries)) WriteObject(DbBackupAuditEntry.From(entry));
        base.EndProcessing();
    }
}
