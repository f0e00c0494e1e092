using System.Text.Json;

namespace BackupPS.Engine.Audit;

/// <summary>
/// The audit log of a destination: &lt;destination folder&gt;/audit.jsonl, one JSON object per line, appended by every
/// New/Test/Restore/Remove (and retention decision). Writing it never fails an operation: a failure is a warning.
/// </summary>
public static class AuditLog
{
    /// <summary>The destination whose log gets <paramref name="entry"/>: the one it carries, else its local folder (a store location without its connection is skipped).</summary>
    private static Destinations.IBackupDestination? StoreOf(AuditEntry entry) =>
        entry.Store ?? (string.IsNullOrWhiteSpace(entry.Destination) || Destinations.StoreRegistry.HasScheme(entry.Destination)
            ? null : new Destinations.LocalFolderDestination(entry.Destination));

    /// <summary>Appends <paramref name="entry"/> to the audit log of a local folder (the entry's own destination wins when it carries one).</summary>
    public static void Record(string? folder, AuditEntry entry, OperationContext? context = null)
    {
        if (string.IsNullOrWhiteSpace(folder)) return;
        entry.Store ??= new Destinations.LocalFolderDestination(folder);
        Record(entry, context);
    }

    /// <summary>
    /// Appends <paramref name="entry"/> to the audit log of its destination (time filled in when missing). Never throws:
    /// a destination that does not exist is skipped (verbose), any other failure is a warning.
    /// </summary>
    public static void Record(AuditEntry entry, OperationContext? context = null)
    {
        if (StoreOf(entry) is not { } store) return;
        try
        {
            if (!store.Exists)
            {
                context?.Verbose($"No audit line written: the destination '{store.Location}' does not exist.");
                return;
            }
            if (entry.Time == default) entry.Time = DateTimeOffset.UtcNow;
            entry.Destination ??= store.Location;
            store.AppendAuditLine(entry.ToJsonLine());
        }
        catch (Exception ex)
        {
            context?.Warning($"The audit log in '{store.Location}' could not be written ({SecretScrubber.Scrub(ex.Message)}); the {entry.Operation} itself is not affected.");
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
        Record(entry, context);
    }

    /// <summary>
    /// Every entry of the audit log of <paramref name="destination"/>, oldest first. A malformed line (e.g. torn by a
    /// crash) is skipped and reported to <paramref name="onMalformed"/> with its 1-based line number.
    /// </summary>
    public static List<AuditEntry> Read(string folder, Action<int, string>? onMalformed = null) =>
        Read(new Destinations.LocalFolderDestination(folder), onMalformed);

    public static List<AuditEntry> Read(Destinations.IBackupDestination store, Action<int, string>? onMalformed = null)
    {
        if (!store.Exists)
            throw new BackupException("DestinationNotFound", BackupErrorKind.NotFound,
                $"The destination '{store.Location}' does not exist. Check the path.", store.Location);
        IReadOnlyList<string> lines;
        try
        {
            lines = store.ReadAuditLines().ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException("AuditLogUnreadable", BackupErrorKind.PermissionDenied,
                $"The audit log of '{store.Location}' cannot be read: {ex.Message}", store.Location, ex);
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
