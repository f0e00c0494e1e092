using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Scheduling;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsLifecycle.Unregister, "DbBackupSchedule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class UnregisterDbBackupScheduleCommand : DbBackupCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ScheduleNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter]
    public DbBackupScheduler Scheduler { get; set; } = DbBackupScheduler.Auto;

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            Try(() =>
            {
                ScheduleDefinition.ValidateName(name);
                var manager = new ScheduleManager();
                var record = manager.Store.Load(name);
                var kind = record?.Scheduler ?? ScheduleCmdletSupport.Kind(Scheduler);
                if (!ShouldProcess(name, $"Unregister the BackupPS schedule from {kind} and delete its job script '{manager.Store.ScriptPath(name)}'")) return;
                if (!manager.Unregister(name, kind))
                    throw new BackupException("ScheduleNotFound", BackupErrorKind.NotFound,
                        $"No schedule named '{name}' is registered with {kind} (schedules live in '{manager.Store.Folder}').", name);
                WriteVerbose($"Unregistered '{name}' from {kind}; the log '{record?.Definition.LogPath}' and any environment file are left in place.");
            }, name);
        }
    }
}
