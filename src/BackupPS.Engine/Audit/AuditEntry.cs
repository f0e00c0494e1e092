using System.Text.Json;
using System.Text.Json.Serialization;

namespace BackupPS.Engine.Audit;

/// <summary>What was done: the BackupPS operations that leave a line in the audit log.</summary>
public enum AuditOperation
{
    New,
    Test,
    Restore,
    Remove,
    /// <summary>One retention decision about one backup (Result Kept or Removed).</summary>
    Retention,
    Import,
    Copy,
}

/// <summary>How it ended. Kept/Removed are the outcomes of a retention decision.</summary>
public enum AuditResult
{
    Succeeded,
    Failed,
    Skipped,
    Kept,
    Removed,
}

/// <summary>
/// One line of &lt;destination&gt;/audit.jsonl: when (UTC, when the operation ended), who (host, OS user), what
/// (operation, backup id, database), the outcome, how long, how many bytes and, for a failure, the error. Never a
/// secret: every text field is passed through <see cref="SecretScrubber"/> before it is written.
/// </summary>
public sealed class AuditEntry
{
    /// <summary>The destination whose audit log gets this line (local folder or S3); not part of the line.</summary>
    [JsonIgnore]
    internal Destinations.IBackupDestination? Store { get; set; }

    public DateTimeOffset Time { get; set; }
    public string Host { get; set; } = Environment.MachineName;
    public string User { get; set; } = Environment.UserName;
    public AuditOperation Operation { get; set; }
    public AuditResult Result { get; set; } = AuditResult.Succeeded;
    public Guid? BackupId { get; set; }
    public string? Database { get; set; }
    /// <summary>Backup type (Database, Full, Files, PreRestore) when known.</summary>
    public string? Type { get; set; }
    /// <summary>The folder whose audit.jsonl holds this line.</summary>
    public string? Destination { get; set; }
    /// <summary>The backup file.</summary>
    public string? Path { get; set; }
    /// <summary>Restore: what was restored into.</summary>
    public string? Target { get; set; }
    public long DurationMs { get; set; }
    public long? Bytes { get; set; }
    /// <summary>The stable error id of a failure that was an error (not set for a verification that found damage).</summary>
    public string? ErrorId { get; set; }
    public string? Error { get; set; }
    /// <summary>Free text, e.g. the reason of a retention decision.</summary>
    public string? Detail { get; set; }
    public string? ToolVersion { get; set; } = Operations.BackupOperation.ToolVersion;

    private static readonly JsonSerializerOptions LineOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        // Readable with jq and grep (no \u0027 for '); quotes, backslashes and control characters are still escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>This entry as one line of JSON (no line break inside: JSON escapes them), secrets removed.</summary>
    public string ToJsonLine()
    {
        var clean = (AuditEntry)MemberwiseClone();
        clean.Database = SecretScrubber.Scrub(Database);
        clean.Destination = SecretScrubber.Scrub(Destination);
        clean.Path = SecretScrubber.Scrub(Path);
        clean.Target = SecretScrubber.Scrub(Target);
        clean.Error = SecretScrubber.Scrub(Error);
        clean.Detail = SecretScrubber.Scrub(Detail);
        return JsonSerializer.Serialize(clean, LineOptions);
    }

    /// <summary>Parses one line; throws <see cref="JsonException"/> for a malformed one.</summary>
    public static AuditEntry FromJsonLine(string line)
    {
        var entry = JsonSerializer.Deserialize<AuditEntry>(line, LineOptions) ?? throw new JsonException("The line is JSON null.");
        if (entry.Time == default) throw new JsonException("The line has no time.");
        return entry;
    }
}
