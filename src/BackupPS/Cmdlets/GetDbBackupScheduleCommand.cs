using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Scheduling;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Get, "DbBackupSchedule")]
[OutputType(typeof(DbBackupSchedule))]
public sealed class GetDbBackupScheduleCommand : DbBackupCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ScheduleNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        Try(() =>
        {
            var manager = new ScheduleManager();
            var all = manager.List();
            var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (var status in all.Where(s => patterns.Any(p => p.IsMatch(s.Record.Definition.Name))))
            {
                var backend = manager.Backend(status.Record.Scheduler);
                WriteObject(DbBackupSchedule.From(status.Record, status.Installed, backend.Render(status.Record.Definition)));
            }
            foreach (var name in Name ?? [])
            {
                if (WildcardPattern.ContainsWildcardCharacters(name)) continue;
                if (!all.Any(s => s.Record.Definition.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                    WriteError(ErrorFor(new BackupException("ScheduleNotFound", BackupErrorKind.NotFound,
                        $"No schedule named '{name}' is registered (schedules live in '{manager.Store.Folder}').", name), name));
            }
        }, Name);
    }
}
