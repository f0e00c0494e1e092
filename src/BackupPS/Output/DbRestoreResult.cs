using BackupPS.Engine.Operations;

namespace BackupPS;

/// <summary>The result of Restore-DbBackup: what was restored where, the safety backup taken first, and how long it took.</summary>
public sealed class DbRestoreResult
{
    public Guid BackupId { get; init; }
    public string BackupPath { get; init; } = "";
    public string Database { get; init; } = "";
    public string? Target { get; init; }
    public string[] FilesTargets { get; init; } = [];
    public int FilesRestored { get; init; }
    public long BytesRestored { get; init; }
    public string IntegrityCheck { get; init; } = "";
    /// <summary>PostgreSQL with -RestoreGlobals: what psql applied from the backup's globals.sql; otherwise null.</summary>
    public string? Globals { get; init; }
    /// <summary>PostgreSQL: the database properties (owner, privileges, comment, connection limit, settings) restored, and those the target refused.</summary>
    public string? DatabaseProperties { get; init; }
    public DbBackup? SafetyBackup { get; init; }
    public DbBackupTestResult? Verification { get; init; }
    public DateTime Restored { get; init; }
    public TimeSpan Duration { get; init; }

    internal static DbRestoreResult From(RestoreResult result) => new()
    {
        BackupId = result.Plan.Manifest.Id,
        BackupPath = result.Plan.BackupPath,
        Database = result.Plan.Manifest.DatabaseName,
        Target = result.Plan.DatabaseTarget,
        FilesTargets = result.Plan.FileTargets.Select(f => f.Target).ToArray(),
        FilesRestored = result.FilesRestored,
        BytesRestored = result.BytesRestored,
        IntegrityCheck = result.IntegrityCheck,
        Globals = result.Globals,
        DatabaseProperties = result.DatabaseProperties,
        SafetyBackup = result.SafetyBackup is null ? null : DbBackup.From(result.SafetyBackup),
        Verification = result.Verification is null ? null : DbBackupTestResult.From(result.Verification),
        Restored = result.RestoredUtc.LocalDateTime,
        Duration = result.Duration,
    };
}
