using BackupPS.Engine.Model;

namespace BackupPS.Engine.Health;

/// <summary>What Get-DbHealth asks for, for either engine.</summary>
public sealed class HealthOptions
{
    /// <summary>SQLite: PRAGMA quick_check instead of the full integrity_check.</summary>
    public bool Quick { get; init; }
    /// <summary>PostgreSQL: exact count(*) per table instead of the planner's estimate (SQLite counts are always exact).</summary>
    public bool Exact { get; init; }
    /// <summary>The destination to look for the database's backups in; null: no backup checks.</summary>
    public string? Destination { get; init; }
    /// <summary>How to reach an s3:// Destination.</summary>
    public Destinations.StoreConnections? Stores { get; init; }
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A last backup older than this is a warning.</summary>
    public TimeSpan MaxBackupAge { get; init; } = TimeSpan.FromHours(24);
    /// <summary>PostgreSQL: a transaction open longer than this is a warning.</summary>
    public TimeSpan MaxTransactionAge { get; init; } = TimeSpan.FromHours(1);
    /// <summary>PostgreSQL: age(datfrozenxid) above this is a warning (wraparound is at ~2.1 billion; autovacuum's default freeze limit is 200 million).</summary>
    public long MaxTransactionIdAge { get; init; } = 1_000_000_000;
}

/// <summary>The backup side of a health report: finds the last (verified) backup in the destination and judges it.</summary>
internal static class BackupHealth
{
    public static void Evaluate(HealthReport report, HealthOptions options, Func<IEnumerable<BackupRecord>, IEnumerable<BackupRecord>> match, OperationContext context)
    {
        if (options.Destination is null) return;
        var store = Destinations.StoreRegistry.Open(options.Destination, options.Stores);
        report.Destination = store.Location;
        List<BackupRecord> records;
        try
        {
            records = store.List(problem => context.Warning(problem.Message));
        }
        catch (BackupException ex) when (ex.ErrorId == "DestinationNotFound")
        {
            report.Warnings.Add($"No backup: the destination '{report.Destination}' does not exist.");
            return;
        }
        BackupMatching.Apply(report, match(records));
        var now = DateTimeOffset.UtcNow;
        if (report.LastBackup is not { } last)
        {
            report.Warnings.Add($"No backup of '{report.DatabaseName}' in '{report.Destination}'.");
            return;
        }
        var age = now - last.CreatedUtc;
        if (age > options.MaxBackupAge)
            report.Warnings.Add($"The last backup is {Hours(age)} old (older than {Hours(options.MaxBackupAge)}): {last.CreatedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, '{Path.GetFileName(last.Path)}'.");
        if (report.LastVerifiedBackup is not { } verified)
            report.Warnings.Add("No backup of it has been verified yet (Test-DbBackup records each verification).");
        else if (verified.LastVerificationPassed != true)
            report.Errors.Add($"The newest verified backup '{Path.GetFileName(verified.Path)}' FAILED its last verification ({verified.LastVerifiedUtc!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC); run Test-DbBackup on it for the reason and make a new backup.");
    }

    private static string Hours(TimeSpan span) => span.TotalHours >= 48 ? $"{span.TotalDays:0.#} days" : $"{span.TotalHours:0.#} h";
}
