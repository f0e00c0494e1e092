using System.Diagnostics;
using Microsoft.Data.Sqlite;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Health;

/// <summary>
/// Get-DbHealth for a SQLite file. The database is opened READ-ONLY (no checkpoint, no journal, no schema change; the
/// -wal is read through the -shm index); each statement runs in its own short read transaction, so a writer waits at
/// most for one statement (and in WAL mode not at all). Damage is reported in the result (Status Unhealthy with
/// SQLite's messages), not thrown: only a missing or unreadable file, or one that is no SQLite database, is an error.
/// </summary>
public static class SqliteHealthCheck
{
    public const int ForeignKeySampleSize = 20;
    private const int SqliteCorrupt = 11, SqliteNotADatabase = 26;

    public static HealthReport Run(string path, HealthOptions options, OperationContext context)
    {
        var fullPath = Path.GetFullPath(path);
        SqliteDatabase.EnsureIsDatabase(fullPath);
        var clock = Stopwatch.StartNew();
        var report = new HealthReport
        {
            Engine = "SQLite",
            DatabaseName = BackupMatching.SqliteName(fullPath),
            Source = fullPath,
            CheckedUtc = DateTimeOffset.UtcNow,
        };
        var walPath = fullPath + "-wal";
        var fileBytes = new FileInfo(fullPath).Length;
        var walBytes = File.Exists(walPath) ? new FileInfo(walPath).Length : 0;
        report.SizeBytes = fileBytes + walBytes;
        try
        {
            using var connection = SqliteDatabase.Open(fullPath, SqliteOpenMode.ReadOnly, options.LockTimeout);
            // Ctrl+C interrupts a long integrity check or count instead of waiting for it.
            using var interrupt = context.Cancellation.Register(() => SQLitePCL.raw.sqlite3_interrupt(connection.Handle));
            var sqlite = new SqliteHealth
            {
                SqliteVersion = SqliteDatabase.Scalar<string>(connection, "SELECT sqlite_version()"),
                FileBytes = fileBytes,
                WalBytes = walBytes,
                IntegrityCheck = options.Quick ? "quick_check" : "integrity_check",
            };
            report.Sqlite = sqlite;
            Step(report, "Reading the database's facts", () =>
            {
                sqlite.PageSize = SqliteDatabase.Scalar<int>(connection, "PRAGMA page_size");
                sqlite.PageCount = SqliteDatabase.Scalar<long>(connection, "PRAGMA page_count");
                sqlite.FreelistCount = SqliteDatabase.Scalar<long>(connection, "PRAGMA freelist_count");
                sqlite.JournalMode = SqliteDatabase.Scalar<string>(connection, "PRAGMA journal_mode");
            });

            context.ThrowIfCancelled();
            context.Report(new OperationProgress("Checking " + report.DatabaseName, $"PRAGMA {sqlite.IntegrityCheck}", 0, -1));
            context.Verbose($"Running PRAGMA {sqlite.IntegrityCheck} on '{fullPath}'.");
            try
            {
                sqlite.IntegrityMessages.AddRange(SqliteDatabase.CheckIntegrity(connection, options.Quick));
            }
            catch (SqliteException ex) when (IsDamage(ex))
            {
                sqlite.IntegrityMessages.Add(ex.Message); // the damage stopped the check itself
            }
            if (!sqlite.IntegrityOk)
                report.Errors.Add($"PRAGMA {sqlite.IntegrityCheck} found damage: {string.Join("; ", sqlite.IntegrityMessages.Take(5))}{(sqlite.IntegrityMessages.Count > 5 ? $" (and {sqlite.IntegrityMessages.Count - 5} more)" : "")}.");

            context.ThrowIfCancelled();
            context.Report(new OperationProgress("Checking " + report.DatabaseName, "PRAGMA foreign_key_check", 0, -1));
            Step(report, "The foreign key check", () => CheckForeignKeys(connection, sqlite));
            if (sqlite.ForeignKeyViolationCount > 0)
                report.Warnings.Add($"{sqlite.ForeignKeyViolationCount} foreign key violation(s), e.g. {string.Join(", ", sqlite.ForeignKeyViolations.Take(3))}.");

            context.Report(new OperationProgress("Checking " + report.DatabaseName, "Counting rows", 0, -1));
            var tables = new List<string>();
            Step(report, "Listing the tables", () => tables = SqliteDatabase.TableNames(connection));
            foreach (var table in tables)
            {
                context.ThrowIfCancelled();
                long? rows = null;
                Step(report, $"Counting the rows of '{table}'", () => rows = SqliteDatabase.Scalar<long>(connection, $"SELECT count(*) FROM {SqliteDatabase.QuoteIdentifier(table)}"));
                report.Tables.Add(new TableHealth { Name = table, Rows = rows, Exact = true });
            }
        }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            report.Errors.Add($"SQLite cannot read the database: {ex.Message}");
        }
        catch (SqliteException) when (context.Cancellation.IsCancellationRequested)
        {
            context.ThrowIfCancelled(); // SQLITE_INTERRUPT
            throw;
        }
        catch (SqliteException ex)
        {
            throw SqliteDatabase.Translate(ex, fullPath, options.LockTimeout);
        }

        BackupHealth.Evaluate(report, options, records => BackupMatching.OfSqlite(records, fullPath), context);
        report.Duration = clock.Elapsed;
        return report;
    }

    /// <summary>Runs one step; damage found on the way becomes a problem of the report and the next step still runs.</summary>
    private static void Step(HealthReport report, string what, Action step)
    {
        try { step(); }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            report.Errors.Add($"{what} failed: {ex.Message}");
        }
    }

    private static bool IsDamage(SqliteException ex) => ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase;

    private static void CheckForeignKeys(SqliteConnection connection, SqliteHealth sqlite)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA foreign_key_check";
        command.CommandTimeout = 0;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            sqlite.ForeignKeyViolationCount++;
            if (sqlite.ForeignKeyViolations.Count < ForeignKeySampleSize)
                sqlite.ForeignKeyViolations.Add(new ForeignKeyViolation
                {
                    Table = reader.GetString(0),
                    RowId = reader.IsDBNull(1) ? null : reader.GetInt64(1),
                    Parent = reader.GetString(2),
                    ForeignKeyId = reader.GetInt64(3),
                });
        }
    }
}
