using BackupPS.Engine.Model;

namespace BackupPS;

/// <summary>A backup, as New-DbBackup makes it and Get-DbBackup lists it. Binds by property name (Path) into Test/Restore/Remove.</summary>
public sealed class DbBackup
{
    public Guid Id { get; init; }
    public string ShortId { get; init; } = "";
    public string Path { get; init; } = "";
    public string Destination { get; init; } = "";
    public string Database { get; init; } = "";
    public string Engine { get; init; } = "";
    public DbBackupType Type { get; init; }
    public DateTime Created { get; init; }
    public DateTime CreatedUtc { get; init; }
    public long SizeBytes { get; init; }
    public long DatabaseSizeBytes { get; init; }
    public double CompressionRatio { get; init; }
    public string Sha256 { get; init; } = "";
    public bool Encrypted { get; init; }
    public string Compression { get; init; } = "";
    public string? Description { get; init; }
    public string[] Tags { get; init; } = [];
    public DateTime? LastVerified { get; init; }
    public bool? LastVerificationPassed { get; init; }
    public string? SourcePath { get; init; }
    public string Host { get; init; } = "";
    public string User { get; init; } = "";
    public int FileCount { get; init; }
    public IReadOnlyDictionary<string, long> TableRowCounts { get; init; } = new Dictionary<string, long>();
    /// <summary>Tables or rows were left out on purpose (-ExcludeTable / -ExcludeTableData): restoring it brings those back empty or not at all.</summary>
    public bool Partial { get; init; }
    /// <summary>SQLite: the tables left out entirely; PostgreSQL: the -ExcludeTable patterns. Empty for an encrypted backup listed without its key.</summary>
    public string[] ExcludedTables { get; init; } = [];
    /// <summary>SQLite: the tables backed up without their rows; PostgreSQL: the -ExcludeTableData patterns.</summary>
    public string[] ExcludedTableData { get; init; } = [];

    /// <summary>The backup file's path, so a DbBackup passed where a path is expected still means this backup.</summary>
    public override string ToString() => Path;

    internal BackupRecord? Record { get; init; }

    internal static DbBackup From(BackupRecord record) => new()
    {
        Record = record,
        Id = record.Id,
        ShortId = BackupPS.Engine.Format.BackupNaming.ShortId(record.Id),
        Path = record.Path,
        Destination = record.Destination.Location,
        Database = record.DatabaseName,
        Engine = record.Engine,
        Type = Enum.Parse<DbBackupType>(record.Type.ToString()),
        Created = record.CreatedUtc.LocalDateTime,
        CreatedUtc = record.CreatedUtc.UtcDateTime,
        SizeBytes = record.SizeBytes,
        DatabaseSizeBytes = record.DatabaseSizeBytes,
        CompressionRatio = record.SizeBytes > 0 ? Math.Round((double)record.TotalSourceBytes / record.SizeBytes, 2) : 0,
        Sha256 = record.Sha256,
        Encrypted = record.Encrypted,
        Compression = record.Manifest.Compression,
        Description = record.Description,
        Tags = [.. record.Tags],
        LastVerified = record.LastVerifiedUtc?.LocalDateTime,
        LastVerificationPassed = record.LastVerificationPassed,
        SourcePath = record.Manifest.SourcePath,
        Host = record.Manifest.Host,
        User = record.Manifest.User,
        FileCount = record.Manifest.Entries.Count(e => e.Kind == BackupPS.Engine.Format.EntryKind.File),
        TableRowCounts = TableRowCountsOf(record.Manifest.Tables),
        Partial = record.Manifest.Partial == true || record.Manifest.Postgres is { ExcludeTable.Count: > 0 } or { ExcludeTableData.Count: > 0 },
        ExcludedTables = [.. record.Manifest.Sqlite?.ExcludedTables ?? record.Manifest.Postgres?.ExcludeTable ?? []],
        ExcludedTableData = [.. record.Manifest.Sqlite?.ExcludedTableData ?? record.Manifest.Postgres?.ExcludeTableData ?? []],
    };

    // Keyed by DisplayName ("a.b"."c" and "a"."b.c" apart); an older manifest may name two tables alike: the first is kept.
    private static Dictionary<string, long> TableRowCountsOf(IEnumerable<BackupPS.Engine.Format.TableRowCount> tables)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in tables) counts.TryAdd(t.DisplayName, t.Rows);
        return counts;
    }
}
