using System.Management.Automation;
using BackupPS.Engine;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsData.Restore, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(DbRestoreResult))]
public sealed class RestoreDbBackupCommand : KeyedBackupInputCmdlet
{
    private readonly HashSet<string> _targetsRestored = new(StringComparer.Ordinal);

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FilesTarget { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SafetyBackupDestination { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSec { get; set; } = 30;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int? Jobs { get; set; }

    [Parameter]
    public SwitchParameter RestoreGlobals { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (record, path) in Backups())
        {
            var isPostgres = false;
            // An unreadable or damaged file is reported once, by the SQLite path below, as before.
            try { isPostgres = (record is not null || File.Exists(path)) && PostgresRestoreOperation.IsPostgresBackup(record, path); }
            // ... unless the target is a PostgreSQL server: then the PostgreSQL restore reports the damage (BackupVerificationFailed
            // or BackupCorrupt), not the SQLite path a postgres:// URL is no path for (DriveNotFound).
            catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException)
            {
                isPostgres = Target is not null && BackupPS.Engine.Sources.PostgresConnectionInfo.IsPostgres(Target) && (record is not null || File.Exists(path));
            }
            if (isPostgres)
            {
                RestorePostgres(record, path);
                continue;
            }
            var request = new RestoreRequest
            {
                Record = record,
                Path = path,
                Target = Target is null ? null : ResolvePath(Target),
                FilesTarget = FilesTarget is null ? null : ResolvePath(FilesTarget),
                SafetyBackupDestination = SafetyBackupDestination is null ? null : ResolveLocation(SafetyBackupDestination),
                Stores = Stores,
                Force = Force,
                LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
            };
            Try(() =>
            {
                var plan = RestoreOperation.Plan(request, Keys);
                // Any shared target (the database or a file root), not only an identical set of targets, means a second
                // backup would overwrite what the first one just restored.
                var targets = new[] { plan.DatabaseTarget }.Concat(plan.FileTargets.Select(f => f.Target)).OfType<string>().ToList();
                var alreadyRestored = targets.Any(_targetsRestored.Contains);
                _targetsRestored.UnionWith(targets);
                if (alreadyRestored)
                    throw new BackupException("MultipleBackupsForOneTarget", BackupErrorKind.InvalidArgument,
                        $"More than one backup was piped to restore into '{plan.Describe()}'; only the first was restored. Pick one, e.g. with Get-DbBackup -Latest -DatabaseName <name>.", path);
                var action = $"Replace with backup {plan.Manifest.Id} of '{plan.Manifest.DatabaseName}' from {plan.Manifest.CreatedUtc.LocalDateTime:yyyy-MM-dd HH:mm:ss} (a PreRestore safety backup is taken first)";
                if (!(Force && !IsWhatIf) && !ShouldProcess(plan.Describe(), action)) return;
                WriteObject(DbRestoreResult.From(RunEngine(context => RestoreOperation.Run(plan, request, context))));
            }, path);
        }
    }

    private void RestorePostgres(BackupPS.Engine.Model.BackupRecord? record, string path)
    {
        Try(() =>
        {
            var (user, password) = PostgresCmdletSupport.FromCredential(Credential);
            var request = PostgresRestoreRequest.Create(record, path, Target, user, password,
                SafetyBackupDestination is null ? null : ResolveLocation(SafetyBackupDestination), Force, Jobs, PgBinPath is null ? null : ResolvePath(PgBinPath), RestoreGlobals, Stores);
            var (plan, target) = PostgresRestoreOperation.Plan(request, Keys);
            if (!_targetsRestored.Add(plan.DatabaseTarget!))
                throw new BackupException("MultipleBackupsForOneTarget", BackupErrorKind.InvalidArgument,
                    $"More than one backup was piped to restore into '{plan.Describe()}'; only the first was restored. Pick one, e.g. with Get-DbBackup -Latest -DatabaseName <name>.", path);
            var action = $"Replace with backup {plan.Manifest.Id} of '{plan.Manifest.DatabaseName}' from {plan.Manifest.CreatedUtc.LocalDateTime:yyyy-MM-dd HH:mm:ss} (a PreRestore safety backup is taken first)";
            if (!(Force && !IsWhatIf) && !ShouldProcess(plan.Describe(), action)) return;
            WriteObject(DbRestoreResult.From(RunEngine(context => PostgresRestoreOperation.Run(plan, target, request, context))));
        }, path);
    }
}
