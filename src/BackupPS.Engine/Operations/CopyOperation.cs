using System.Diagnostics;
using System.Security.Cryptography;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Copies a listed backup to another destination (local → S3, S3 → local, S3 → S3, folder → folder) in one streaming
/// pass: read (ranged GETs for S3) → SHA-256 → write (multipart upload for S3). The copy's SHA-256 and size are
/// compared with the source's sidecar before its sidecar is written (last), so a copy that differs is never listed.
/// </summary>
public static class CopyOperation
{
    /// <summary>The copy's record; null when <paramref name="skipExisting"/> and the destination already lists this backup.</summary>
    public static BackupRecord? Run(BackupRecord source, IBackupDestination destination, bool skipExisting, OperationContext context) =>
        Audit.Audited.Run(context, new Audit.AuditEntry
        {
            Operation = Audit.AuditOperation.Copy,
            Store = destination, // the copy's line belongs to where the copy goes
            Destination = destination.Location,
            BackupId = source.Id,
            Database = source.DatabaseName,
            Type = source.Type.ToString(),
            Bytes = source.SizeBytes,
            Detail = "from " + source.Path,
        }, () => RunUnaudited(source, destination, skipExisting, context), (entry, copy) =>
        {
            if (copy is null) entry.Result = Audit.AuditResult.Skipped;
            else entry.Path = copy.Path;
        });

    private static BackupRecord? RunUnaudited(BackupRecord source, IBackupDestination destination, bool skipExisting, OperationContext context)
    {
        var fileName = source.FileName;
        if (destination.PathOf(fileName) == source.Path)
            throw new BackupException("CopyOntoItself", BackupErrorKind.InvalidArgument,
                $"'{source.Path}' is already in {destination.Location}: a backup cannot be copied onto itself.", source.Path);
        // Copies keep the file name (it holds the id), so one look-up finds an earlier copy: no listing per backup.
        var existing = destination.Exists && destination.Find(fileName) is { } found && found.Id == source.Id ? found : null;
        if (existing is not null && skipExisting)
        {
            context.Verbose($"Backup {source.Id} is already in {destination.Location} ('{existing.Path}'): skipped (-SkipExisting).");
            return null;
        }
        if (existing is not null)
            throw new BackupException("BackupAlreadyExists", BackupErrorKind.WriteError,
                $"Backup {source.Id} is already in {destination.Location} ('{existing.Path}'). Use -SkipExisting to skip backups that are there.", existing.Path);
        destination.EnsureWritable();
        destination.CleanStale(context);
        var clock = Stopwatch.StartNew();
        context.Verbose($"Copying '{source.Path}' to {destination.Location}.");
        using var writer = destination.CreateBackup(fileName, context);
        try
        {
            var copy = Write(source, writer, fileName, destination, context);
            context.Verbose($"Copied to '{copy.Path}': {copy.SizeBytes} bytes, SHA-256 {copy.Sha256} verified, {clock.Elapsed.TotalSeconds:0.00} s.");
            return copy;
        }
        catch (Exception ex)
        {
            writer.Dispose(); // not completed: removes the partial file / aborts the upload before the error is reported
            if (ex is OperationCanceledException) context.ThrowIfCancelled();
            if (IoErrors.FromWrite(ex, destination.Location) is { } error) throw error; // a full disk is DiskFull, as for New-DbBackup
            throw;
        }
    }

    /// <summary>Streams the source into the writer, checks size and SHA-256 against the source's sidecar, then completes (sidecar last).</summary>
    private static BackupRecord Write(BackupRecord source, IBackupWriter writer, string fileName, IBackupDestination destination, OperationContext context)
    {
        var meter = new ProgressMeter(context, "Copying " + fileName, source.SizeBytes) { Status = "Copying" };
        long size = 0;
        string sha256;
        using (var input = source.Destination.OpenRead(source))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var buffer = new byte[1 << 20];
            int n;
            while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                context.ThrowIfCancelled();
                hash.AppendData(buffer, 0, n);
                writer.Stream.Write(buffer, 0, n);
                size += n;
                meter.Add(n);
            }
            writer.Stream.Flush();
            sha256 = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        }
        if (size != source.SizeBytes || !string.Equals(sha256, source.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new BackupException("CopyChecksumMismatch", BackupErrorKind.InvalidData,
                $"The copy of '{source.Path}' has SHA-256 {sha256} ({size} bytes); its sidecar says {source.Sha256} ({source.SizeBytes} bytes). Nothing was kept at {destination.Location}; check the source with Test-DbBackup.", source.Path);
        var sidecar = FormatJson.Deserialize<Sidecar>(FormatJson.Serialize(source.Sidecar)); // its own copy: later verifications are recorded per place
        sidecar.BackupFile = fileName;
        return writer.Complete(sidecar);
    }
}
