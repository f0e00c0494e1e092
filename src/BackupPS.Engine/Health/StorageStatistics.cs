using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;

namespace BackupPS.Engine.Health;

/// <summary>Get-DbBackupStorage: per database, what its backups in one destination take, and the destination's free space.</summary>
public sealed class DatabaseStorage
{
    public string Destination { get; init; } = "";
    /// <summary>The backups' database name (grouped case-insensitively, like Get-DbBackup -Latest; the newest backup's spelling).</summary>
    public string DatabaseName { get; init; } = "";
    /// <summary>The engines of its backups ("SQLite", "PostgreSQL"; both if the name is shared).</summary>
    public IReadOnlyList<string> Engines { get; init; } = [];
    public int Count { get; init; }
    /// <summary>Backups of each type (Database, Full, Files, PreRestore).</summary>
    public IReadOnlyDictionary<BackupType, int> CountByType { get; init; } = new Dictionary<BackupType, int>();
    /// <summary>The backup files' sizes (as recorded in their sidecars; sidecars themselves not included).</summary>
    public long TotalBytes { get; init; }
    public long AverageBytes { get; init; }
    public BackupRecord Oldest { get; init; } = null!;
    public BackupRecord Newest { get; init; } = null!;
    /// <summary>The backup verified most recently (by verification time), or null when none has been.</summary>
    public BackupRecord? LastVerified { get; init; }
    public int VerifiedCount { get; init; }
    /// <summary>Backups whose last verification failed.</summary>
    public int FailedCount { get; init; }
    /// <summary>Bytes available to this user on the destination's file system; null when unknown.</summary>
    public long? FreeBytes { get; init; }
    public long? CapacityBytes { get; init; }
}

public static class StorageStatistics
{
    /// <summary>
    /// Groups the listed backups of <paramref name="destination"/> by database name (optionally filtered by wildcard
    /// patterns), sorted by name. Every type counts (PreRestore safety copies take space too).
    /// </summary>
    public static List<DatabaseStorage> Compute(string destination, string[]? databaseNames, Action<BackupException>? onProblem, Destinations.StoreConnections? stores = null)
    {
        var store = Destinations.StoreRegistry.Open(destination, stores);
        var root = store.Location;
        var records = store.List(onProblem);
        var space = store.Space;
        return records
            .Where(r => databaseNames is null || databaseNames.Any(p => BackupQuery.WildcardMatch(p, r.DatabaseName)))
            .GroupBy(r => r.DatabaseName, StringComparer.OrdinalIgnoreCase)
            .Select(g =>
            {
                var byAge = g.OrderBy(r => r.CreatedUtc).ThenBy(r => r.Path, StringComparer.Ordinal).ToList();
                var total = byAge.Sum(r => r.SizeBytes);
                return new DatabaseStorage
                {
                    Destination = root,
                    DatabaseName = byAge[^1].DatabaseName,
                    Engines = byAge.Select(r => r.Engine).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList(),
                    Count = byAge.Count,
                    CountByType = byAge.GroupBy(r => r.Type).OrderBy(t => t.Key).ToDictionary(t => t.Key, t => t.Count()),
                    TotalBytes = total,
                    AverageBytes = total / byAge.Count,
                    Oldest = byAge[0],
                    Newest = byAge[^1],
                    LastVerified = byAge.Where(r => r.LastVerifiedUtc is not null).OrderByDescending(r => r.LastVerifiedUtc).FirstOrDefault(),
                    VerifiedCount = byAge.Count(r => r.LastVerifiedUtc is not null),
                    FailedCount = byAge.Count(r => r.LastVerificationPassed == false),
                    FreeBytes = space?.Free,
                    CapacityBytes = space?.Total,
                };
            })
            .OrderBy(s => s.DatabaseName, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }
}
