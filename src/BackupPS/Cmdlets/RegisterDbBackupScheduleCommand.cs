using System.Management.Automation;
using System.Text;
using BackupPS.Engine;
using BackupPS.Engine.Scheduling;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsLifecycle.Register, "DbBackupSchedule", SupportsShouldProcess = true, DefaultParameterSetName = ScriptBlockSet)]
[OutputType(typeof(DbBackupSchedule))]
public sealed class RegisterDbBackupScheduleCommand : DbBackupCmdlet
{
    private const string ScriptBlockSet = "ScriptBlock";
    private const string CommandSet = "Command";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public DateTime At { get; set; }

    [Parameter]
    [Alias("Days")]
    public DayOfWeek[]? DaysOfWeek { get; set; }

    [Parameter(Mandatory = true, Position = 2, ParameterSetName = ScriptBlockSet)]
    public ScriptBlock? ScriptBlock { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string? Command { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get; set; }

    [Parameter]
    public DbBackupScheduler Scheduler { get; set; } = DbBackupScheduler.Auto;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PwshPath { get; set; }

    /// <summary>The job imports this or any later installed version instead of exactly the registering one.</summary>
    [Parameter]
    public SwitchParameter FollowModuleUpdates { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        try { Register(); }
        catch (BackupException ex) when (ex.Kind == BackupErrorKind.InvalidArgument) { ThrowTerminatingError(ErrorFor(ex, Name)); }
        catch (BackupException ex) { WriteError(ErrorFor(ex, Name)); }
        finally { base.EndProcessing(); }
    }

    private void Register()
    {
        ScheduleDefinition.ValidateName(Name);
        var script = ScriptBlock?.ToString() ?? Command ?? "";
        var ast = ScheduleCmdletSupport.Parse(script);
        ScheduleCmdletSupport.RefuseSecrets(ast);
        var kind = ScheduleCmdletSupport.Kind(Scheduler);
        var manager = new ScheduleManager();
        var schedule = manager.Define(Name, new TimeOnly(At.Hour, At.Minute), DaysOfWeek, script.Trim(),
            LogPath is null ? null : ResolvePath(LogPath), ScheduleCmdletSupport.DestinationOf(ast),
            ScheduleCmdletSupport.PwshCommand(PwshPath is null ? null : ResolvePath(PwshPath)),
            ScheduleCmdletSupport.ModuleRoot(this), ScheduleCmdletSupport.ModuleVersion(this), FollowModuleUpdates);

        var plan = manager.Plan(schedule, kind);
        var text = new StringBuilder($"Register the schedule '{Name}' with {kind}, writing:");
        foreach (var artifact in plan) text.Append("\n--- ").Append(artifact.Location).Append(" ---\n").Append(artifact.Text.TrimEnd('\n'));
        text.Append("\n--- end ---");
        if (!ShouldProcess(text.ToString(), $"Register the schedule '{Name}' with {kind}?", "Register-DbBackupSchedule")) return;

        var record = manager.Register(schedule, kind, Force);
        WriteVerbose($"Registered '{Name}' with {kind}; job script '{schedule.ScriptPath}', log '{schedule.LogPath}'.");
        if (kind == SchedulerKind.Cron && !CronScheduler.DaemonRunning())
            WriteWarning("No cron daemon is running on this machine: the crontab entry is installed but will not run until cron is started (for example 'service cron start').");
        if (!ScheduleCmdletSupport.OnModulePath(schedule.ModuleRoot))
            WriteWarning($"BackupPS is loaded from '{schedule.ModuleRoot}', which is not a folder of PSModulePath. The job runs '{schedule.ModuleImport}' and fails with ModuleNotInstalled unless that version is installed (Install-PSResource BackupPS) or the schedule's environment file sets PSModulePath.");
        var backend = manager.Backend(kind);
        WriteObject(DbBackupSchedule.From(record, backend.IsInstalled(Name), backend.Render(schedule)));
    }
}
