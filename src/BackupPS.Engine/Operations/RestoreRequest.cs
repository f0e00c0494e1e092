using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>What Restore-DbBackup asks for.</summary>
public sealed class RestoreRequest
{
    public BackupRecord? Record { get; init; }
    public string? Path { get; init; }
    /// <summary>Database file to restore into; the backed-up database's original path when null.</summary>
    public string? Target { get; init; }
    /// <summary>Folder to restore files/ into (each included root as a subfolder); their original places when null.</summary>
    public string? FilesTarget { get; init; }
    /// <summary>Where the pre-restore safety backup goes (a folder or s3://...); the restored backup's destination when null.</summary>
    public string? SafetyBackupDestination { get; init; }
    /// <summary>How to reach an s3:// SafetyBackupDestination or Path.</summary>
    public Destinations.StoreConnections? Stores { get; init; }
    /// <summary>Overwrite a target that exists but is not a SQLite database.</summary>
    public bool Force { get; init; }
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Where a restore will write, resolved before anything is written (for -WhatIf and confirmation).</summary>
public sealed record RestorePlan(BackupRecord? Record, string BackupPath, Format.Manifest Manifest, string? DatabaseTarget, IReadOnlyList<(Format.FileRoot Root, string Target)> FileTargets)
{
    public string Describe() => string.Join(", ", new[] { DatabaseTarget }.Concat(FileTargets.Select(f => f.Target)).Where(t => t is not null));
}

/// <summary>The outcome of a restore.</summary>
public sealed class RestoreResult
{
    public required RestorePlan Plan { get; init; }
    public BackupRecord? SafetyBackup { get; set; }
    public VerifyResult? Verification { get; set; }
    public string IntegrityCheck { get; set; } = "";
    /// <summary>PostgreSQL -RestoreGlobals: summary of what psql applied from globals.sql.</summary>
    public string? Globals { get; set; }
    /// <summary>PostgreSQL: the database-level properties applied at the swap and those the target refused (also warnings).</summary>
    public string? DatabaseProperties { get; set; }
    public int FilesRestored { get; set; }
    public long BytesRestored { get; set; }
    public DateTimeOffset RestoredUtc { get; set; }
    public TimeSpan Duration { get; set; }
}
