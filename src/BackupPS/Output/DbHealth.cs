using BackupPS.Engine.Health;

namespace BackupPS;

public enum DbHealthStatus
{
    Healthy,
    Warning,
    Unhealthy,
}

/// <summary>A table of a database as Get-DbHealth saw it.</summary>
public sealed class DbHealthTable
{
    public string Name { get; init; } = "";
    /// <summary>Row count; null when unknown (a PostgreSQL table never analyzed, or a damaged SQLite table).</summary>
    public long? Rows { get; init; }
    /// <summary>True for count(*), false for PostgreSQL's estimate (reltuples).</summary>
    public bool Exact { get; init; }
    /// <summary>PostgreSQL: size with indexes and TOAST; null for SQLite.</summary>
    public long? SizeBytes { get; init; }

    public override string ToString() => $"{Name}: {Rows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}";
}

/// <summary>A row that breaks a foreign key (from SQLite's PRAGMA foreign_key_check).</summary>
public sealed class DbHealthForeignKeyViolation
{
    public string Table { get; init; } = "";
    public long? RowId { get; init; }
    public string Parent { get; init; } = "";
    public long ForeignKeyId { get; init; }

    public override string ToString() => $"{Table} rowid {RowId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} -> {Parent}";
}

/// <summary>Get-DbHealth's answer for one database: Status (Healthy, Warning, Unhealthy) with its Problems, and the facts behind it.</summary>
public sealed class DbHealth
{
    public string Database { get; init; } = "";
    public string Engine { get; init; } = "";
    /// <summary>The SQLite file's full path, or postgres://user@host:port/db (no password).</summary>
    public string Source { get; init; } = "";
    public DbHealthStatus Status { get; init; }
    public string[] Problems { get; init; } = [];
    public DateTime Checked { get; init; }
    public TimeSpan Duration { get; init; }
    public long SizeBytes { get; init; }
    public int TableCount { get; init; }
    /// <summary>The sum of the known row counts (estimated for PostgreSQL without -Exact).</summary>
    public long TotalRows { get; init; }
    public DbHealthTable[] Tables { get; init; } = [];

    // SQLite
    public string? SqliteVersion { get; init; }
    public long? FileSizeBytes { get; init; }
    public long? WalSizeBytes { get; init; }
    public int? PageSize { get; init; }
    public long? PageCount { get; init; }
    public long? FreelistCount { get; init; }
    public string? JournalMode { get; init; }
    /// <summary>integrity_check or quick_check (-Quick).</summary>
    public string? IntegrityCheck { get; init; }
    public bool? IntegrityOk { get; init; }
    public string[] IntegrityMessages { get; init; } = [];
    public long? ForeignKeyViolationCount { get; init; }
    public DbHealthForeignKeyViolation[] ForeignKeyViolations { get; init; } = [];

    // PostgreSQL
    public string? ServerVersion { get; init; }
    public long? Connections { get; init; }
    public long? ActiveConnections { get; init; }
    public long? IdleInTransactionConnections { get; init; }
    public long? ServerConnections { get; init; }
    public int? MaxConnections { get; init; }
    public DateTime? OldestTransactionStart { get; init; }
    public TimeSpan? OldestTransactionAge { get; init; }
    public long? TransactionIdAge { get; init; }

    // Backups (with -Destination)
    public string? Destination { get; init; }
    public DbBackup? LastBackup { get; init; }
    public DateTime? LastBackupCreated { get; init; }
    public DbBackup? LastVerifiedBackup { get; init; }
    public DateTime? LastVerified { get; init; }
    public bool? LastVerificationPassed { get; init; }

    public override string ToString() => $"{Database}: {Status}";

    internal static DbHealth From(HealthReport r) => new()
    {
        Database = r.DatabaseName,
        Engine = r.Engine,
        Source = r.Source,
        Status = Enum.Parse<DbHealthStatus>(r.Status.ToString()),
        Problems = r.Problems.ToArray(),
        Checked = r.CheckedUtc.LocalDateTime,
        Duration = r.Duration,
        SizeBytes = r.SizeBytes,
        TableCount = r.Tables.Count,
        TotalRows = r.Tables.Sum(t => t.Rows ?? 0),
        Tables = r.Tables.Select(t => new DbHealthTable { Name = t.Name, Rows = t.Rows, Exact = t.Exact, SizeBytes = t.SizeBytes }).ToArray(),
        SqliteVersion = r.Sqlite?.SqliteVersion,
        FileSizeBytes = r.Sqlite?.FileBytes,
        WalSizeBytes = r.Sqlite?.WalBytes,
        PageSize = r.Sqlite?.PageSize,
        PageCount = r.Sqlite?.PageCount,
        FreelistCount = r.Sqlite?.FreelistCount,
        JournalMode = r.Sqlite?.JournalMode,
        IntegrityCheck = r.Sqlite?.IntegrityCheck ?? (r.Engine == "SQLite" ? "integrity_check" : null),
        IntegrityOk = r.Engine == "SQLite" ? r.Sqlite?.IntegrityOk ?? false : null,
        IntegrityMessages = r.Sqlite?.IntegrityMessages.ToArray() ?? [],
        ForeignKeyViolationCount = r.Sqlite?.ForeignKeyViolationCount,
        ForeignKeyViolations = r.Sqlite?.ForeignKeyViolations.Select(v => new DbHealthForeignKeyViolation { Table = v.Table, RowId = v.RowId, Parent = v.Parent, ForeignKeyId = v.ForeignKeyId }).ToArray() ?? [],
        ServerVersion = r.Postgres?.ServerVersion,
        Connections = r.Postgres?.Connections,
        ActiveConnections = r.Postgres?.ActiveConnections,
        IdleInTransactionConnections = r.Postgres?.IdleInTransactionConnections,
        ServerConnections = r.Postgres?.ServerConnections,
        MaxConnections = r.Postgres?.MaxConnections,
        OldestTransactionStart = r.Postgres?.OldestTransactionStartUtc?.LocalDateTime,
        OldestTransactionAge = r.Postgres?.OldestTransactionAge,
        TransactionIdAge = r.Postgres?.TransactionIdAge,
        Destination = r.Destination,
        LastBackup = r.LastBackup is null ? null : DbBackup.From(r.LastBackup),
        LastBackupCreated = r.LastBackup?.CreatedUtc.LocalDateTime,
        LastVerifiedBackup = r.LastVerifiedBackup is null ? null : DbBackup.From(r.LastVerifiedBackup),
        LastVerified = r.LastVerifiedBackup?.LastVerifiedUtc?.LocalDateTime,
        LastVerificationPassed = r.LastVerifiedBackup?.LastVerificationPassed,
    };
}
