using BackupPS.Engine.Retention;

namespace BackupPS;

/// <summary>What a retention policy does with a backup.</summary>
public enum DbRetentionAction
{
    Keep,
    Remove,
}

/// <summary>
/// One backup considered by Remove-DbBackup -Destination … -Keep*: kept or removed, and by which rule(s) or why.
/// <see cref="Removed"/> is true only when the backup was actually removed (never under -WhatIf or when declined).
/// </summary>
public sealed class DbBackupRetentionDecision
{
    public string Database { get; init; } = "";
    public DbBackupType Type { get; init; }
    /// <summary>Local time, like DbBackup.Created; the rules' buckets (in the Reason) are in the policy's time zone.</summary>
    public DateTime Created { get; init; }
    public DateTime CreatedUtc { get; init; }
    public DbRetentionAction Action { get; init; }
    /// <summary>The rules that keep it (KeepLast, KeepDaily, …, NotOlderThan, PreRestoreSafety, LastVerified) or why it goes (NotKept, OlderThan).</summary>
    public string[] Rules { get; init; } = [];
    /// <summary>The rules with their buckets: "KeepDaily (2026-11-25), KeepWeekly (2026-W48)".</summary>
    public string Reason { get; init; } = "";
    public bool Removed { get; init; }
    public long SizeBytes { get; init; }
    public string Path { get; init; } = "";
    public DbBackup? Backup { get; init; }

    public override string ToString() => $"{Action} {Path}: {Reason}";

    internal static DbBackupRetentionDecision From(RetentionDecision decision, bool removed) => new()
    {
        Database = decision.Backup.DatabaseName,
        Type = Enum.Parse<DbBackupType>(decision.Backup.Type.ToString()),
        Created = decision.Backup.CreatedUtc.LocalDateTime,
        CreatedUtc = decision.Backup.CreatedUtc.UtcDateTime,
        Action = decision.Action == RetentionAction.Keep ? DbRetentionAction.Keep : DbRetentionAction.Remove,
        Rules = decision.Reasons.Select(r => r.Rule).ToArray(),
        Reason = decision.Reason,
        Removed = removed,
        SizeBytes = decision.Backup.SizeBytes,
        Path = decision.Backup.Path,
        Backup = decision.Backup.Record is null ? null : DbBackup.From(decision.Backup.Record),
    };
}
