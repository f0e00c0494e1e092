using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Remove, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(void))]
public sealed class RemoveDbBackupCommand : BackupInputCmdlet
{
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (record, path) in Backups())
        {
            Try(() =>
            {
                // -Path gives no record: find the sidecar beside the file (BackupNotFound if the file is missing).
                var target = record ?? BackupLocator.FromPath(path) ?? throw new BackupException("NotAListedBackup", BackupErrorKind.NotFound,
                    $"'{path}' has no sidecar, so it is not a listed BackupPS backup; Remove-DbBackup removes only those. Delete the file yourself if it should go.", path);
                var description = $"Backup {target.Id} of '{target.DatabaseName}' ({target.Type}, {target.CreatedUtc.LocalDateTime:yyyy-MM-dd HH:mm:ss}) and its sidecar";
                if (!(Force && !IsWhatIf) && !ShouldProcess(target.Path, "Remove " + description)) return;
                RunEngine(context => RemoveOperation.Run(target, context));
                WriteVerbose($"Removed '{target.Path}' and '{target.SidecarPath}'.");
            }, path);
        }
    }
}
