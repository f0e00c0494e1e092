using BackupPS.Engine.Operations;

namespace BackupPS;

/// <summary>One check of Test-DbBackup: FileChecksum, Archive, EntryChecksums, IntegrityCheck, RowCounts…</summary>
public sealed class DbBackupCheck
{
    public string Name { get; init; } = "";
    /// <summary>Passed, Failed or Skipped.</summary>
    public string Outcome { get; init; } = "";
    public string Message { get; init; } = "";

    public override string ToString() => $"{Name}: {Outcome}";
}

/// <summary>The result of Test-DbBackup: Passed, its Status, the reason when not passed, and each check.</summary>
public sealed class DbBackupTestResult
{
    public string Path { get; init; } = "";
    public Guid? Id { get; init; }
    public string? Database { get; init; }
    public DateTime? Created { get; init; }
    public bool Passed { get; init; }
    /// <summary>Passed, Failed, or Partial (an encrypted backup tested without its key: only the outside was checked).</summary>
    public string Status { get; init; } = "";
    public string? FailureReason { get; init; }
    public DbBackupCheck[] Checks { get; init; } = [];
    public DateTime Verified { get; init; }
    public TimeSpan Duration { get; init; }
    public DbBackup? Backup { get; init; }

    internal static DbBackupTestResult From(VerifyResult result) => new()
    {
        Path = result.Path,
        Id = result.Manifest?.Id,
        Database = result.Manifest?.DatabaseName,
        Created = result.Manifest?.CreatedUtc.LocalDateTime,
        Passed = result.Passed,
        Status = result.Status.ToString(),
        FailureReason = result.FailureReason,
        Checks = result.Checks.Select(c => new DbBackupCheck { Name = c.Name, Outcome = c.Outcome.ToString(), Message = c.Message }).ToArray(),
        Verified = result.VerifiedUtc.LocalDateTime,
        Duration = result.Duration,
        Backup = result.Record is null ? null : DbBackup.From(result.Record),
    };
}
