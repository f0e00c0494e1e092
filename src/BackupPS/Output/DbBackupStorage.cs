using BackupPS.Engine.Health;

namespace BackupPS;

/// <summary>Get-DbBackupStorage: what the backups of one database take in one destination, and the destination's free space.</summary>
public sealed class DbBackupStorage
{
    public string Destination { get; init; } = "";
    public string Database { get; init; } = "";
    public string[] Engines { get; init; } = [];
    public int Count { get; init; }
    /// <summary>Number of backups per type (Database, Full, Files, PreRestore).</summary>
    public IReadOnlyDictionary<string, int> CountByType { get; init; } = new Dictionary<string, int>();
    public long TotalBytes { get; init; }
    public long AverageBytes { get; init; }
    public DateTime Oldest { get; init; }
    public DateTime Newest { get; init; }
    public DbBackup? OldestBackup { get; init; }
    public DbBackup? NewestBackup { get; init; }
    /// <summary>When a backup of this database was last verified (the most recent verification), and whether it passed.</summary>
    public DateTime? LastVerified { get; init; }
    public bool? LastVerificationPassed { get; init; }
    public DbBackup? LastVerifiedBackup { get; init; }
    public int VerifiedCount { get; init; }
    public int FailedCount { get; init; }
    /// <summary>Bytes available on the destination's file system; null when unknown.</summary>
    public long? DestinationFreeBytes { get; init; }
    public long? DestinationCapacityBytes { get; init; }

    public override string ToString() => $"{Database}: {Count} backups, {ByteSize.Format(TotalBytes)}";

    internal static DbBackupStorage From(DatabaseStorage s) => new()
    {
        Destination = s.Destination,
        Database = s.DatabaseName,
        Engines = [.. s.Engines],
        Count = s.Count,
        CountByType = s.CountByType.ToDictionary(p => p.Key.ToString(), p => p.Value),
        TotalBytes = s.TotalBytes,
        AverageBytes = s.AverageBytes,
        Oldest = s.Oldest.CreatedUtc.LocalDateTime,
        Newest = s.Newest.CreatedUtc.LocalDateTime,
        OldestBackup = DbBackup.From(s.Oldest),
        NewestBackup = DbBackup.From(s.Newest),
        LastVerified = s.LastVerified?.LastVerifiedUtc?.LocalDateTime,
        LastVerificationPassed = s.LastVerified?.LastVerificationPassed,
        LastVerifiedBackup = s.LastVerified is null ? null : DbBackup.From(s.LastVerified),
        VerifiedCount = s.VerifiedCount,
        FailedCount = s.FailedCount,
        DestinationFreeBytes = s.FreeBytes,
        DestinationCapacityBytes = s.CapacityBytes,
    };
}
