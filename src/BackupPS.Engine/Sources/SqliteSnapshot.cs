using Microsoft.Data.Sqlite;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Sources;

/// <summary>
/// A transactionally consistent copy of a live SQLite database, made with SQLite's online backup API in one step
/// under a read transaction: in WAL mode writers go on committing meanwhile (readers never block them); in
/// rollback-journal mode a consistent copy needs the SHARED lock for the copy's duration, as every SQLite copy does.
/// The copy goes to a private temporary file on the destination's disk and is streamed into the archive from there:
/// the bundled SQLite has no sqlite_dbpage, so pages cannot be streamed straight from the snapshot.
/// </summary>
public static class SqliteSnapshot
{
    public sealed record Result(SqliteInfo Info, List<TableRowCount> Tables, long SizeBytes);

    public static Result Create(string sourcePath, string snapshotPath, TimeSpan lockTimeout, OperationContext context)
    {
        try
        {
            using var source = SqliteDatabase.Open(sourcePath, SqliteOpenMode.ReadWrite, lockTimeout);
            using var destination = SqliteDatabase.Open(snapshotPath, SqliteOpenMode.ReadWriteCreate, lockTimeout);
            FileSystemSecurity.SetMode(snapshotPath, 0x180);
            // The copy is throw-away until it is in the archive: no journal, no fsync.
            SqliteDatabase.Execute(destination, "PRAGMA journal_mode = OFF");
            SqliteDatabase.Execute(destination, "PRAGMA synchronous = OFF");

            // Take the read transaction first so waiting for a lock honours the busy timeout (backup_step alone does not wait).
            using var transaction = source.BeginTransaction(deferred: true);
            SqliteDatabase.Scalar<long>(source, "SELECT count(*) FROM sqlite_schema");
            context.Verbose($"Read transaction open on '{sourcePath}'; copying pages with the SQLite online backup API.");
            source.BackupDatabase(destination);
            transaction.Commit();
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 13) // SQLITE_FULL: the snapshot's disk, not the source's
        {
            throw IoErrors.DiskFull(Path.GetDirectoryName(snapshotPath)!, ex);
        }
        catch (SqliteException ex)
        {
            throw SqliteDatabase.Translate(ex, sourcePath, lockTimeout);
        }

        using var snapshot = SqliteDatabase.Open(snapshotPath, SqliteOpenMode.ReadWrite, lockTimeout);
        var info = SqliteDatabase.ReadInfo(snapshot);
        context.Verbose($"Snapshot taken: {info.PageCount} pages of {info.PageSize} bytes, journal mode {info.JournalMode}. Counting rows.");
        var tables = SqliteDatabase.CountRows(snapshot, context.Cancellation);
        return new Result(info, tables, info.PageCount * info.PageSize);
    }
}
