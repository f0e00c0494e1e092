using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Destinations;

/// <summary>
/// A place that holds backups: a local folder or an S3 bucket/prefix. Every operation reaches backups only through
/// this interface, so every cmdlet and retention works on each kind alike. A backup is listed only when its sidecar
/// is, and the sidecar is always written last.
/// </summary>
public interface IBackupDestination
{
    /// <summary>What users see and give back: the absolute folder, or s3://bucket/prefix.</summary>
    string Location { get; }

    /// <summary>The folder when this destination is on the local file system; null for remote stores.</summary>
    string? LocalFolder { get; }

    bool Exists { get; }

    /// <summary>Creates the destination if needed and proves it can be written, before anything is written.</summary>
    void EnsureWritable();

    /// <summary>Every listed backup (a sidecar whose backup exists); unreadable sidecars are reported to <paramref name="onProblem"/>.</summary>
    List<BackupRecord> List(Action<BackupException>? onProblem = null);

    /// <summary>The listed backup of this file name (its file and its sidecar exist), or null; one look-up, not a listing.</summary>
    BackupRecord? Find(string fileName);

    /// <summary>The display path of a backup file of this name in this destination.</summary>
    string PathOf(string fileName);

    /// <summary>Starts writing a new backup file: write its bytes to <see cref="IBackupWriter.Stream"/>, then
    /// <see cref="IBackupWriter.Complete"/> (the sidecar goes last); disposing without completing aborts it.</summary>
    IBackupWriter CreateBackup(string fileName, OperationContext context);

    /// <summary>Reads a backup file from the start (seekable; Length is the file's size).</summary>
    Stream OpenRead(BackupRecord record);

    /// <summary>Replaces the sidecar of <paramref name="record"/> atomically.</summary>
    void WriteSidecar(BackupRecord record, Sidecar sidecar);

    /// <summary>Removes a backup: sidecar first (so it is no longer listed), then the backup file.</summary>
    void Delete(BackupRecord record);

    /// <summary>Bytes free for new backups (available to this user) and the store's total size; null when the store does not say (S3).</summary>
    (long Free, long Total)? Space { get; }

    /// <summary>Appends one line (JSON, no newline) to the destination's audit log.</summary>
    void AppendAuditLine(string jsonLine);

    /// <summary>The audit log's lines, oldest first.</summary>
    IEnumerable<string> ReadAuditLines();

    /// <summary>Removes what killed runs left behind (partial files, unfinished uploads) older than a few hours.</summary>
    void CleanStale(OperationContext context);
}
