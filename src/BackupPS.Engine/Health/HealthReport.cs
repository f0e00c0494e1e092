using BackupPS.Engine.Model;

namespace BackupPS.Engine.Health;

public enum HealthStatus
{
    Healthy,
    Warning,
    Unhealthy,
}

/// <summary>What Get-DbHealth found about one database (SQLite or PostgreSQL): facts, problems and a summary status.</summary>
public sealed class HealthReport
{
    /// <summary>"SQLite" or "PostgreSQL", as in a backup's manifest.</summary>
    public string Engine { get; init; } = "";
    /// <summary>The name New-DbBackup gives this database's backups (file name without extension / PostgreSQL database name).</summary>
    public string DatabaseName { get; init; } = "";
    /// <summary>The full path of the SQLite file, or postgres://user@host:port/db (never a password).</summary>
    public string Source { get; init; } = "";
    public DateTimeOffset CheckedUtc { get; init; }
    public TimeSpan Duration { get; set; }
    /// <summary>SQLite: the database file plus its -wal file; PostgreSQL: pg_database_size.</summary>
    public long SizeBytes { get; set; }
    public List<TableHealth> Tables { get; } = [];
    public SqliteHealth? Sqlite { get; set; }
    public PostgresHealth? Postgres { get; set; }

    /// <summary>The destination searched for backups of this database; null when none was given.</summary>
    public string? Destination { get; set; }
    /// <summary>The newest Database/Full backup of this database in <see cref="Destination"/>.</summary>
    public BackupRecord? LastBackup { get; set; }
    /// <summary>The newest Database/Full backup of this database in <see cref="Destination"/> that has been verified (passed or not).</summary>
    public BackupRecord? LastVerifiedBackup { get; set; }

    /// <summary>Problems that make the database Unhealthy (damage, a failed verification).</summary>
    public List<string> Errors { get; } = [];
    /// <summary>Problems that deserve attention (FK violations, no or old backup, a long transaction...).</summary>
    public List<string> Warnings { get; } = [];

    public HealthStatus Status => Errors.Count > 0 ? HealthStatus.Unhealthy : Warnings.Count > 0 ? HealthStatus.Warning : HealthStatus.Healthy;

    /// <summary>Every problem, the serious ones first.</summary>
    public IEnumerable<string> Problems => Errors.Concat(Warnings);
}

public sealed class TableHealth
{
    /// <summary>SQLite: the table name; PostgreSQL: schema.table.</summary>
    public string Name { get; init; } = "";
    /// <summary>The row count; null when unknown (a PostgreSQL table never analyzed, or a SQLite table that could not be read).</summary>
    public long? Rows { get; init; }
    /// <summary>True for count(*), false for PostgreSQL's reltuples estimate.</summary>
    public bool Exact { get; init; }
    /// <summary>PostgreSQL: pg_total_relation_size (with indexes and TOAST); null for SQLite.</summary>
    public long? SizeBytes { get; init; }
}

public sealed class SqliteHealth
{
    public string SqliteVersion { get; init; } = "";
    public long FileBytes { get; init; }
    public long WalBytes { get; init; }
    public int PageSize { get; set; }
    public long PageCount { get; set; }
    public long FreelistCount { get; set; }
    public string JournalMode { get; set; } = "";
    /// <summary>"integrity_check" or "quick_check".</summary>
    public string IntegrityCheck { get; init; } = "";
    /// <summary>The check's messages: a single "ok" when sound (at most 100 otherwise).</summary>
    public List<string> IntegrityMessages { get; } = [];
    public bool IntegrityOk => IntegrityMessages.Count == 1 && IntegrityMessages[0] == "ok";
    public long ForeignKeyViolationCount { get; set; }
    /// <summary>The first violations found by PRAGMA foreign_key_check (at most <see cref="SqliteHealthCheck.ForeignKeySampleSize"/>).</summary>
    public List<ForeignKeyViolation> ForeignKeyViolations { get; } = [];
}

public sealed class ForeignKeyViolation
{
    public string Table { get; init; } = "";
    public long? RowId { get; init; }
    public string Parent { get; init; } = "";
    public long ForeignKeyId { get; init; }

    public override string ToString() => $"{Table} rowid {RowId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} -> {Parent}";
}

public sealed class PostgresHealth
{
    public string ServerVersion { get; init; } = "";
    public int MaxConnections { get; init; }
    /// <summary>Client backends connected to the whole server (this one included).</summary>
    public long ServerConnections { get; init; }
    /// <summary>Sessions connected to this database, other than Get-DbHealth's own.</summary>
    public long Connections { get; init; }
    public long ActiveConnections { get; init; }
    public long IdleInTransactionConnections { get; init; }
    /// <summary>xact_start of the oldest transaction of a non-idle session of this database (other than ours); null when none.</summary>
    public DateTimeOffset? OldestTransactionStartUtc { get; init; }
    public TimeSpan? OldestTransactionAge { get; init; }
    /// <summary>age(datfrozenxid): transactions since the database was last fully frozen (wraparound at ~2.1 billion).</summary>
    public long TransactionIdAge { get; init; }
    public bool RowCountsExact { get; init; }
}
