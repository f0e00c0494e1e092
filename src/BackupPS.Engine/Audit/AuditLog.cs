using System.Text.Json;

namespace BackupPS.Engine.Audit;

/// <summary>
/// The audit log of a destination: &lt;destination folder&gt;/audit.jsonl, one JSON object per line, appended by every
/// New/Test/Restore/Remove (and retention decision). Writing it never fails an operation: a failure is a warning.
/// </summary>
public static class AuditLog
{
    /// <summary>The store of a destination folder; the one place to switch to IBackupDestination's audit lines.</summary>
    internal static LocalAuditStore StoreFor(string folder) => new(folder);

    /// <summary>
    /// Appends <paramref name="entry"/> to the audit log of <paramref name="destination"/> (time, host and user filled
    /// in when missing). Never throws: a folder that does not exist is skipped (verbose), any other failure is a warning.
    /// </summary>
    public static void Record(string? destination, AuditEntry entry, OperationContext? context = null)
    {
        if (string.IsNullOrWhiteSpace(destination)) return;
        try
        {
            var store = StoreFor(destination);
            if (!store.FolderExists)
            {
                context?.Verbose($"No audit line written: the folder '{store.Folder}' does not exist.");
                return;
            }
            if (entry.Time == default) entry.Time = DateTimeOffset.UtcNow;
            entry.Destination ??= store.Folder;
            store.AppendAuditLine(entry.ToJsonLine());
        }
        catch (Exception ex)
        {
            context?.Warning($"The audit log in '{destination}' could not be written ({SecretScrubber.Scrub(ex.Message)}); the {entry.Operation} itself is not affected.");
        }
    }

    /// <summary>
    /// One retention decision about <paramref name="record"/>: a Retention line with Result Kept or Removed and the
    /// reason (e.g. "-KeepLast 7: 3rd newest"), in the backup's folder. Call it once per backup considered; the deletion
    /// itself, done with <see cref="Operations.RemoveOperation.Run"/>, adds its own Remove line (Succeeded or Failed).
    /// </summary>
    public static void RecordRetention(Model.BackupRecord record, bool removed, string reason, OperationContext? context = null)
    {
        var entry = Audited.ForBackup(AuditOperation.Retention, record, record.Path);
        entry.Time = DateTimeOffset.UtcNow;
        entry.Result = removed ? AuditResult.Removed : AuditResult.Kept;
        entry.Detail = reason;
        Record(entry.Destination, entry, context);
    }

    /// <summary>
    /// Every entry of the audit log of <paramref name="destination"/>, oldest first. A malformed line (e.g. torn by a
    /// crash) is skipped and reported to <paramref name="onMalformed"/> with its 1-based line number.
    /// </summary>
    public static List<AuditEntry> Read(string destination, Action<int, string>? onMalformed = null)
    {
        var store = StoreFor(destination);
        if (!store.FolderExists)
            throw new BackupException("DestinationNotFound", BackupErrorKind.NotFound,
                $"The destination folder '{store.Folder}' does not exist. Check the path.", store.Folder);
        IReadOnlyList<string> lines;
        try
        {
            lines = store.ReadAuditLines();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException("AuditLogUnreadable", BackupErrorKind.PermissionDenied,
                $"The audit log '{store.FilePath}' cannot be read: {ex.Message}", store.FilePath, ex);
        }
        var entries = new List<AuditEntry>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            try
            {
                entries.Add(AuditEntry.FromJsonLine(line));
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or FormatException or InvalidOperationException)
            {
                onMalformed?.Invoke(i + 1, ex.Message);
            }
        }
        return entries;
    }
}
