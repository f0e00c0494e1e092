using BackupPS.Engine.Native;

namespace BackupPS.Engine.Sources;

/// <summary>
/// Proof that no connection is using a SQLite database, held for as long as this object lives: exclusive locks on the
/// database file's lock bytes (PENDING, RESERVED and the SHARED range at 1 GiB, where SQLite's unix VFS locks) and on its
/// -shm file's DMS byte. Every connection holds SHARED while it reads (in WAL mode from its first read until it closes,
/// along with a shared lock on the DMS byte), so taking both proves none is reading or has a WAL open; while held, a
/// connection that starts a read gets SQLITE_BUSY at the PENDING byte and waits in its busy handler. It proves nothing
/// about a connection between transactions in rollback-journal mode, which holds no lock at all.
/// </summary>
internal sealed class SqliteIdleHold : IDisposable
{
    private const long PendingByte = 0x40000000, LockBytes = 2 + 510, ShmDmsByte = 128;
    private readonly FileStream _database;
    private FileStream? _shm;

    private SqliteIdleHold(FileStream database) => _database = database;

    /// <summary>Null when some connection holds a lock (or locks cannot be taken on this platform): assume it is in use.</summary>
    public static SqliteIdleHold? TryTake(string database)
    {
        if (!PosixLocks.Supported) return null;
        FileStream file;
        try { file = new FileStream(database, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
        var hold = new SqliteIdleHold(file);
        if (!PosixLocks.TryLockExclusive(file, PendingByte, LockBytes)) { hold.Dispose(); return null; }
        var shm = database + "-shm";
        if (File.Exists(shm))
        {
            try { hold._shm = new FileStream(shm, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { hold.Dispose(); return null; }
            if (!PosixLocks.TryLockExclusive(hold._shm, ShmDmsByte, 1)) { hold.Dispose(); return null; }
        }
        return hold;
    }

    /// <summary>The database file as it was when the hold was taken (the descriptor follows the file through a rename).</summary>
    public FileStream Database => _database;

    /// <summary>Closing the descriptors releases the locks (open-file-description locks belong to them).</summary>
    public void Dispose()
    {
        _shm?.Dispose();
        _database.Dispose();
    }
}
