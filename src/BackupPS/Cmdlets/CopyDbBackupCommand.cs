using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.Copy, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(DbBackup))]
public sealed class CopyDbBackupCommand : BackupInputCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    public SwitchParameter SkipExisting { get; set; }

    private IBackupDestination? _destination;

    protected override void ProcessRecord()
    {
        if (_destination is null)
        {
            try { _destination = OpenDestination(Destination); }
            catch (BackupException ex) { ThrowTerminatingError(ErrorFor(ex, Destination)); }
        }
        foreach (var (record, path) in Backups())
        {
            Try(() =>
            {
                var source = record ?? BackupLocator.RequireListed(path, Stores, "Copy-DbBackup copies only those (its SHA-256 is checked against the sidecar).");
                if (!ShouldProcess($"{source.Path} -> {_destination!.Location}", "Copy backup")) return;
                var copy = RunEngine(context => CopyOperation.Run(source, _destination!, SkipExisting, context));
                if (copy is not null) WriteObject(DbBackup.From(copy));
            }, path);
        }
    }
}
