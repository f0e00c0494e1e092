using System.Management.Automation;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Cmdlets;

[Cmdlet(VerbsCommon.New, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(DbBackup))]
public sealed class NewDbBackupCommand : ArchiveWritingCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Path")]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] IncludePath { get; set; } = [];

    [Parameter]
    public DbBackupType? Type { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    public string? Description { get; set; }

    [Parameter]
    [ValidateNotNull]
    public string[] Tag { get; set; } = [];

    [Parameter]
    [ValidateRange(0, 86400)]
    public int LockTimeoutSec { get; set; } = 30;

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTable { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] ExcludeTableData { get; set; } = [];

    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    [Parameter]
    public SwitchParameter IncludeGlobals { get; set; }

    /// <summary>Back up a SQLite database whose PRAGMA quick_check fails instead of refusing it (SourceDatabaseDamaged).</summary>
    [Parameter]
    public SwitchParameter AllowDamaged { get; set; }

    [Parameter]
    public SwitchParameter IncludeRolePasswords { get; set; }

    protected override void ProcessRecord()
    {
        if (BackupPS.Engine.Sources.PostgresConnectionInfo.IsPostgres(Database))
        {
            ProcessPostgres();
            return;
        }
        var request = new BackupRequest
        {
            DatabasePath = Database is null ? null : ResolvePath(Database),
            IncludePaths = IncludePath.Select(ResolvePath).ToArray(),
            Destination = ResolveLocation(Destination),
            Stores = Stores,
            Type = Type is null ? null : Enum.Parse<BackupType>(Type.Value.ToString()),
            Name = Name,
            Description = Description,
            Tags = Tag,
            Compression = CompressionKind,
            CompressionLevel = CompressionLevel,
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
            Encryption = Keys,
            AllowDamaged = AllowDamaged,
            ExcludeTable = ExcludeTable,
            ExcludeTableData = ExcludeTableData,
        };
        var what = string.Join(", ", new[] { request.DatabasePath }.Concat(request.IncludePaths).Where(p => p is not null));
        if (!ShouldProcess($"{what} -> {request.Destination}", "Back up")) return;
        Try(() => WriteObject(DbBackup.From(RunEngine(context => BackupOperation.Run(request, context)))), request.DatabasePath ?? what);
    }

    private void ProcessPostgres()
    {
        var shown = BackupPS.Engine.Sources.PostgresConnectionInfo.Redact(Database!);
        Try(() =>
        {
            var (user, password) = PostgresCmdletSupport.FromCredential(Credential);
            var connection = BackupPS.Engine.Sources.PostgresConnectionInfo.Parse(Database!, user, password);
            var request = new PostgresBackupRequest
            {
                LockTimeout = TimeSpan.FromSeconds(LockTimeoutSec),
                Connection = connection,
                Destination = ResolveLocation(Destination),
                Stores = Stores,
                Type = Type is null ? BackupType.Database : Enum.Parse<BackupType>(Type.Value.ToString()),
                Name = Name,
                Description = Description,
                Tags = Tag,
                Compression = CompressionKind,
                CompressionLevel = CompressionLevel,
                PgBinPath = PgBinPath is null ? null : ResolvePath(PgBinPath),
                ExcludeTable = ExcludeTable,
                ExcludeTableData = ExcludeTableData,
                IncludePaths = IncludePath,
                Encryption = Keys,
                Jobs = Jobs,
                IncludeGlobals = IncludeGlobals || IncludeRolePasswords,
                IncludeRolePasswords = IncludeRolePasswords,
            };
            if (!ShouldProcess($"{connection.Display()} -> {request.Destination}", "Back up")) return;
            WriteObject(DbBackup.From(RunEngine(context => PostgresBackupOperation.Run(request, context))));
        }, shown);
    }
}
