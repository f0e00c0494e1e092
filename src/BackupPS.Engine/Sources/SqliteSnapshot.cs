using Microsoft.Data.Sqlite;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Sources;

/// <summary>
/// A transactionally consistent image of a live SQLite database, readable as a stream of exactly <see cref="SizeBytes"/>
/// bytes. Taken under a read transaction on the source, one of three ways:
/// <list type="number">
/// <item><b>WAL mode, WAL fully checkpointed — stream the file.</b> A checkpoint never copies frames past a reader's
/// mark, and a reader on mark 0 blocks checkpoints altogether (SQLite's walformat document), so once every frame is in
/// the database file, the file cannot change while the read transaction lasts; writers keep committing to the WAL.
/// That state is read from the WAL-index header (-shm) after the transaction began. One read, no copy.</item>
/// <item><b>Rollback-journal mode — copy under the SHARED lock.</b> No writer can touch the file while the lock is held,
/// but every writer waits for it: the file is copied at disk speed and the lock released before compression.</item>
/// <item><b>Fallback — SQLite's online backup API</b> in one step into a private temporary file, e.g. when a busy
/// writer keeps WAL frames un-checkpointed. Writers are not blocked in WAL mode.</item>
/// </list>
/// With -ExcludeTable / -ExcludeTableData (<see cref="SqliteExclusion"/>) it is always the backup API copy, in the
/// scratch place the caller chose, with the excluded rows then taken out of the copy and the copy VACUUMed.
/// POSIX record locks belong to the process, and closing any descriptor of a file drops all of them: the database
/// and -shm are opened once by this class and closed only after SQLite's connection, or SQLite's SHARED and WAL
/// read-mark locks would silently vanish mid-transaction.
/// </summary>
public sealed class SqliteSnapshot : IDisposable
{
    private const int Attempts = 3;
    private readonly FrozenSource? _frozen;
    private readonly string _imagePath;

    private SqliteSnapshot(string imagePath, SqliteInfo info, List<TableRowCount> tables, FrozenSource? frozen)
    {
        _imagePath = imagePath;
        Info = info;
        Tables = tables;
        _frozen = frozen;
    }

    public SqliteInfo Info { get; }
    public List<TableRowCount> Tables { get; }
    public long SizeBytes => Info.PageCount * Info.PageSize;

    /// <summary>The image, from its first byte; read exactly <see cref="SizeBytes"/> bytes (the file may be longer). Dispose the stream; the descriptor stays with the snapshot.</summary>
    public Stream OpenRead()
    {
        if (_frozen is null) return new FileStream(_imagePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        _frozen.Database.Position = 0;
        return new Compression.NonClosingStream(_frozen.Database);
    }

    /// <param name="exclusion">Tables to leave out or keep empty; null or empty for the whole database.</param>
    public static SqliteSnapshot Take(string sourcePath, string temporaryPath, TimeSpan lockTimeout, OperationContext context, SqliteExclusion? exclusion = null)
    {
        try
        {
            if (exclusion is { IsEmpty: false }) return ViaBackupApi(sourcePath, temporaryPath, lockTimeout, context, exclusion);
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                var frozen = TryFrozenFile(sourcePath, temporaryPath, lockTimeout, context);
                if (frozen is not null) return frozen;
                context.Verbose($"The WAL of '{sourcePath}' holds frames not yet checkpointed (attempt {attempt} of {Attempts}).");
                Thread.Sleep(20 * attempt);
            }
            return ViaBackupApi(sourcePath, temporaryPath, lockTimeout, context);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 13) // SQLITE_FULL: the temporary copy's disk, not the source's
        {
            throw IoErrors.DiskFull(Path.GetDirectoryName(temporaryPath)!, ex);
        }
        catch (SqliteException ex)
        {
            throw SqliteDatabase.Translate(ex, sourcePath, lockTimeout);
        }
    }

    private static SqliteSnapshot? TryFrozenFile(string sourcePath, string temporaryPath, TimeSpan lockTimeout, OperationContext context)
    {
        var frozen = new FrozenSource(sourcePath, lockTimeout);
        try
        {
            var source = frozen.Connection;
            // No checkpoint here: the source is only read (un-checkpointed frames mean the backup API path below).
            var wal = SqliteDatabase.Scalar<string>(source, "PRAGMA journal_mode").Equals("wal", StringComparison.OrdinalIgnoreCase);
            frozen.Transaction = source.BeginTransaction(deferred: true);
            SqliteDatabase.Scalar<long>(source, "SELECT count(*) FROM sqlite_schema"); // the read transaction starts here
            var info = SqliteDatabase.ReadInfo(source);
            var isFrozen = !wal || (frozen.OpenShm() is { } shm && WalIndex.IsFullyCheckpointed(shm));
            if (!isFrozen || frozen.Database.Length < info.PageCount * info.PageSize)
            {
                frozen.Dispose();
                return null;
            }
            if (!wal) return CopyUnderLock(frozen, info, temporaryPath, lockTimeout, context);
            context.Verbose($"Read transaction open on '{sourcePath}' with its WAL fully checkpointed: the database file is frozen for this transaction and is streamed directly.");
            context.Verbose($"Counting rows of {info.PageCount} pages of {info.PageSize} bytes.");
            var tables = SqliteDatabase.CountRows(source, context.Cancellation);
            return new SqliteSnapshot(sourcePath, info, tables, frozen);
        }
        catch
        {
            frozen.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Rollback-journal mode: writers wait while the SHARED lock is held, so the file is copied at disk speed and the
    /// lock released before the slower compression starts.
    /// </summary>
    private static SqliteSnapshot CopyUnderLock(FrozenSource frozen, SqliteInfo info, string temporaryPath, TimeSpan lockTimeout, OperationContext context)
    {
        try
        {
            context.Verbose($"Read transaction (SHARED lock) open on '{frozen.Path}' ({info.JournalMode} journal): copying the file, then releasing the lock.");
            using (var copy = FileSystemSecurity.CreatePrivateFile(temporaryPath, bufferSize: 0))
            {
                var buffer = new byte[1 << 20];
                var remaining = info.PageCount * info.PageSize;
                frozen.Database.Position = 0;
                while (remaining > 0)
                {
                    var n = frozen.Database.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                    if (n == 0) throw new EndOfStreamException($"'{frozen.Path}' ended {remaining} bytes early while its SHARED lock was held.");
                    copy.Write(buffer, 0, n);
                    remaining -= n;
                }
            }
            frozen.Dispose();
            using var image = SqliteDatabase.Open(temporaryPath, SqliteOpenMode.ReadWrite, lockTimeout);
            context.Verbose($"Lock released; counting rows of {info.PageCount} pages of {info.PageSize} bytes in the copy.");
            return new SqliteSnapshot(temporaryPath, info, SqliteDatabase.CountRows(image, context.Cancellation), frozen: null);
        }
        catch
        {
            FileSystemSecurity.DeleteDatabaseFiles(temporaryPath);
            throw;
        }
    }

    private static SqliteSnapshot ViaBackupApi(string sourcePath, string temporaryPath, TimeSpan lockTimeout, OperationContext context, SqliteExclusion? exclusion = null)
    {
        try
        {
            using (var source = SqliteDatabase.Open(sourcePath, SqliteOpenMode.ReadOnly, lockTimeout))
            using (var destination = SqliteDatabase.Open(temporaryPath, SqliteOpenMode.ReadWriteCreate, lockTimeout))
            {
                FileSystemSecurity.SetMode(temporaryPath, 0x180);
                // The copy is throw-away until it is in the archive: no journal, no fsync.
                SqliteDatabase.Execute(destination, "PRAGMA journal_mode = OFF");
                SqliteDatabase.Execute(destination, "PRAGMA synchronous = OFF");
                // The read transaction first, so waiting for a lock honours the busy timeout (backup_step alone does not wait).
                using var transaction = source.BeginTransaction(deferred: true);
                SqliteDatabase.Scalar<long>(source, "SELECT count(*) FROM sqlite_schema");
                // Matched and checked in the same read transaction as the copy: the tables excluded are those copied.
                exclusion?.Resolve(source, sourcePath, context);
                context.Verbose($"Copying '{sourcePath}' with the SQLite online backup API into '{temporaryPath}'.");
                source.BackupDatabase(destination);
                transaction.Commit();
            }
            if (exclusion is not null)
            {
                // Closed before the image is read: in WAL mode, closing the last connection checkpoints the VACUUM into the file.
                using var copy = SqliteDatabase.Open(temporaryPath, SqliteOpenMode.ReadWrite, lockTimeout);
                exclusion.Apply(copy, context);
            }
            using var image = SqliteDatabase.Open(temporaryPath, SqliteOpenMode.ReadWrite, lockTimeout);
            var info = SqliteDatabase.ReadInfo(image);
            context.Verbose($"Copy complete: {info.PageCount} pages of {info.PageSize} bytes. Counting rows.");
            var tables = SqliteDatabase.CountRows(image, context.Cancellation);
            return new SqliteSnapshot(temporaryPath, info, tables, frozen: null);
        }
        catch
        {
            FileSystemSecurity.DeleteDatabaseFiles(temporaryPath);
            throw;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// PRAGMA quick_check of the image (b-tree structure, not index content): the messages, a single "ok" when sound.
    /// On the frozen source it runs inside the same read transaction, so it checks exactly the pages that are streamed.
    /// </summary>
    public List<string> QuickCheck()
    {
        if (_frozen is not null) return SqliteDatabase.CheckIntegrity(_frozen.Connection, quick: true);
        try
        {
            using var image = SqliteDatabase.Open(_imagePath, SqliteOpenMode.ReadOnly, TimeSpan.FromSeconds(1));
            return SqliteDatabase.CheckIntegrity(image, quick: true);
        }
        catch (SqliteException ex) { return [ex.Message]; }
        finally { SqliteConnection.ClearAllPools(); }
    }

    /// <summary>Ends the read transaction (writers may proceed) or deletes the temporary copy.</summary>
    public void Dispose()
    {
        if (_frozen is not null) _frozen.Dispose();
        else FileSystemSecurity.DeleteDatabaseFiles(_imagePath);
    }

    /// <summary>The source's SQLite connection with its read transaction, and this process's own descriptors of the database and -shm files.</summary>
    private sealed class FrozenSource(string path, TimeSpan lockTimeout) : IDisposable
    {
        private FileStream? _shm;
        private bool _disposed;

        public string Path => path;

        // Opened before SQLite touches the file; closed after SQLite's connection (see the class remarks).
        public FileStream Database { get; } = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        // Read-only: a read-write connection that is the last to close checkpoints the WAL into the source and deletes it.
        public SqliteConnection Connection { get; } = SqliteDatabase.Open(path, SqliteOpenMode.ReadOnly, lockTimeout);
        public SqliteTransaction? Transaction { get; set; }

        public FileStream? OpenShm()
        {
            try { return _shm ??= new FileStream(path + "-shm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Transaction?.Dispose();
            Connection.Dispose();
            _shm?.Dispose();
            Database.Dispose();
        }
    }
}
