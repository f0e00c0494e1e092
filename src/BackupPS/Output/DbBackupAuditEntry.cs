using BackupPS.Engine.Audit;

namespace BackupPS;

/// <summary>One line of a destination's audit log (audit.jsonl), as Get-DbBackupAuditLog returns it.</summary>
public sealed class DbBackupAuditEntry
{
    /// <summary>When the operation ended, local time.</summary>
    public DateTime Time { get; init; }
    public DateTimeOffset TimeUtc { get; init; }
    public string Host { get; init; } = "";
    public string User { get; init; } = "";
    /// <summary>New, Test, Restore, Remove, Retention, Import or Copy.</summary>
    public string Operation { get; init; } = "";
    /// <summary>Succeeded, Failed, Skipped; Kept or Removed for a retention decision.</summary>
    public string Result { get; init; } = "";
    public Guid? BackupId { get; init; }
    public string? Database { get; init; }
    public string? Type { get; init; }
    public string? Destination { get; init; }
    public string? Path { get; init; }
    public string? Target { get; init; }
    public TimeSpan Duration { get; init; }
    public long? Bytes { get; init; }
    public string? ErrorId { get; init; }
    public string? Error { get; init; }
    public string? Detail { get; init; }
    public string? ToolVersion { get; init; }

    public override string ToString() => $"{TimeUtc:yyyy-MM-ddTHH:mm:ssZ} {Operation} {Database} {Result}";

    internal static DbBackupAuditEntry From(AuditEntry e) => new()
    {
        Time = e.Time.LocalDateTime,
        TimeUtc = e.Time.ToUniversalTime(),
        Host = e.Host,
        User = e.User,
        Operation = e.Operation.ToString(),
        Result = e.Result.ToString(),
        BackupId = e.BackupId,
        Database = e.Database,
        Type = e.Type,
        Destination = e.Destination,
        Path = e.Path,
        Target = e.Target,
        Duration = TimeSpan.FromMilliseconds(e.DurationMs),
        Bytes = e.Bytes,
        ErrorId = e.ErrorId,
        Error = e.Error,
        Detail = e.Detail,
        ToolVersion = e.ToolVersion,
    };
}
