using System.Diagnostics;
using Microsoft.Data.Sqlite;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Native;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Restores a backup: verify while extracting to a scratch folder beside the target and PRAGMA integrity_check the
/// extracted image, while a PreRestore safety backup of the target is taken alongside; then replace the target
/// atomically — through SQLite's backup API into the live database (other connections see the old or the new
/// content, never a mix) or, if it does not exist yet, by rename — and PRAGMA quick_check it. The full check runs
/// before the swap so a bad image never touches the target; the pages swapped in are that image's, byte for byte.
/// Any failure before the swap leaves the target untouched; a failed check after it rolls back from the safety backup.
/// </summary>
public static class RestoreOperation
{
    public static RestorePlan Plan(RestoreRequest request, Encryption.KeyRing? keys = null)
    {
        var record = request.Record ?? BackupLocator.FromPath(request.Path ?? throw new ArgumentException("Record or Path is required."), request.Stores);
        var path = record?.Path ?? System.IO.Path.GetFullPath(request.Path!);
        // Where to restore comes from the manifest inside the archive, never from the sidecar alone: an encrypted
        // backup's sidecar does not say where its database came from, and a plain one can be edited.
        Manifest manifest;
        var headDamaged = false;
        try { manifest = ManifestPeek.Read(path, keys, record); }
        catch (BackupException ex) when (ex.ErrorId == "BackupCorrupt")
        {
            // A damaged archive is a restore refused by verification (audited as such), as when the damage lies past
            // the manifest: a listed plain backup goes on to Run, whose full verification refuses it before any write.
            if (record is not { Encrypted: false })
                throw new BackupException("BackupVerificationFailed", BackupErrorKind.InvalidData, $"The backup '{path}' failed verification, nothing was restored: {ex.Message}", path, ex);
            manifest = record.Manifest;
            headDamaged = true;
        }
        if (!headDamaged && record is not null && SidecarAgreement.Differences(record, manifest) is { Count: > 0 } differences)
            throw SidecarAgreement.Mismatch(path, differences);
        if (record is { Encrypted: false }) manifest = record.Manifest;   // agrees, and carries the entries' hashes
        string? databaseTarget = null;
        if (manifest.DatabaseEntry is not null)
        {
            var target = request.Target ?? manifest.SourcePath
                ?? throw new BackupException("TargetRequired", BackupErrorKind.InvalidArgument, $"The backup '{path}' does not record where its database came from. Give -Target.", path);
            databaseTarget = System.IO.Path.GetFullPath(target);
            CheckDatabaseTarget(databaseTarget, request.Force);
        }
        else if (request.Target is not null)
        {
            throw new BackupException("NoDatabaseInBackup", BackupErrorKind.InvalidArgument,
                $"The backup '{path}' is a {manifest.Type} backup without a database, so -Target has nothing to restore. Use -FilesTarget.", path);
        }
        var fileTargets = manifest.FileRoots.Select(root => (root, System.IO.Path.GetFullPath(
            request.FilesTarget is null ? root.OriginalPath : System.IO.Path.Combine(request.FilesTarget, root.Name)))).ToList();
        foreach (var (root, _) in fileTargets)
        {
            if (root.Name.Contains('/') || root.Name.Contains('\\') || root.Name is "." or ".." || !System.IO.Path.IsPathFullyQualified(root.OriginalPath))
                throw ArchiveReader.Corrupt(path, $"its file root '{root.Name}' ({root.OriginalPath}) is not a safe place to restore to.");
        }
        return new RestorePlan(record, path, manifest, databaseTarget, fileTargets);
    }

    public static RestoreResult Run(RestorePlan plan, RestoreRequest request, OperationContext context) =>
        Audit.Audited.Run(context, Audit.Audited.ForRestore(plan), () => RunUnaudited(plan, request, context), Audit.Audited.DescribeRestore);

    private static RestoreResult RunUnaudited(RestorePlan plan, RestoreRequest request, OperationContext context)
    {
        var clock = Stopwatch.StartNew();
        var result = new RestoreResult { Plan = plan };
        var workDir = System.IO.Path.GetDirectoryName(plan.DatabaseTarget ?? plan.FileTargets[0].Target)!;
        try { FileSystemSecurity.CreatePrivateDirectory(workDir); }
        catch (Exception ex) when (IoErrors.FromWrite(ex, workDir) is { } error) { throw error; }

        StaleTemporaryFiles.Clean(workDir, context);
        using var scratch = NewScratch(workDir);
        var sink = new ExtractingSink(scratch.File("database.db"), plan.FileTargets.Count > 0 ? scratch.File("files") : null);
        // The safety backup reads the target while the extracted image is integrity-checked: independent work, side by side.
        Task<BackupRecord?>? safetyBackup = null;
        context.Verbose($"Verifying and extracting '{plan.BackupPath}' into '{scratch.Path}'.");
        VerifyResult verification;
        try
        {
            verification = VerifyOperation.Verify(plan.BackupPath, plan.Record, sink, quick: false, context,
                afterExtract: () =>
                {
                    // Before the safety backup opens the target: another database's -wal must not be replayed into its copy.
                    if (plan.DatabaseTarget is not null && File.Exists(plan.DatabaseTarget)) SqliteLeftovers.MoveAsideForeignWal(plan.DatabaseTarget, context);
                    safetyBackup = Task.Run(() => TakeSafetyBackup(plan, request, context));
                }, reuseCheck: true);
        }
        catch (Exception ex)
        {
            DiscardSafetyBackup(safetyBackup, context);
            if (IoErrors.FromWrite(ex, workDir) is { } error) throw error;
            throw;
        }
        result.Verification = verification;
        // A damaged database image whose archive is otherwise sound: a damaged copy is better than none, with -Force.
        var damagedImage = !verification.Passed && request.Force && plan.DatabaseTarget is not null
            && verification.Checks.Where(c => c.Outcome == CheckOutcome.Failed).All(c => c.Name == "IntegrityCheck");
        if (damagedImage)
            context.Warning($"The database in '{plan.BackupPath}' is damaged ({verification.FailureReason}); restoring it anyway (-Force). Check it with PRAGMA integrity_check and repair it (sqlite3 .recover) or restore an older backup.");
        else if (!verification.Passed)
        {
            DiscardSafetyBackup(safetyBackup, context);
            throw new BackupException("BackupVerificationFailed", BackupErrorKind.InvalidData,
                $"The backup '{plan.BackupPath}' failed verification, so nothing was restored and the target is untouched: {verification.FailureReason}", plan.BackupPath);
        }
        RecordFullCheck(plan, verification, context);
        sink.FinishDirectories();
        result.SafetyBackup = safetyBackup?.GetAwaiter().GetResult();

        if (plan.DatabaseTarget is not null)
        {
            ReplaceDatabase(sink.DatabasePath, plan.DatabaseTarget, plan.Manifest.DatabaseEntry!.Mode, request.LockTimeout, context);
            result.BytesRestored += plan.Manifest.DatabaseEntry!.Size;
            result.IntegrityCheck = damagedImage ? "damaged (restored with -Force): " + verification.FailureReason : CheckRestored(plan, result.SafetyBackup, request, context);
        }
        foreach (var (root, target) in plan.FileTargets)
        {
            var (count, bytes) = PlaceFiles(plan, sink, root, target, context);
            result.FilesRestored += count;
            result.BytesRestored += bytes;
        }
        result.RestoredUtc = DateTimeOffset.UtcNow;
        result.Duration = clock.Elapsed;
        context.Verbose($"Restore complete in {result.Duration.TotalSeconds:0.00} s.");
        return result;
    }

    /// <summary>A full check of a listed plain backup's image is recorded in its sidecar, so later restores of it reuse it.</summary>
    private static void RecordFullCheck(RestorePlan plan, VerifyResult verification, OperationContext context)
    {
        if (plan.Record is not { Encrypted: false } record || !verification.FullCheckPassed) return;
        VerifyOperation.RecordFullCheck(record, verification);
        try { record.Destination.WriteSidecar(record, record.Sidecar); }
        catch (BackupException ex) { context.Warning($"The passed integrity check could not be recorded in '{record.SidecarPath}': {ex.Message}"); }
    }

    /// <summary>Nothing will be restored: the safety backup taken meanwhile would only be clutter, so it goes.</summary>
    private static void DiscardSafetyBackup(Task<BackupRecord?>? safetyBackup, OperationContext context)
    {
        try
        {
            if (safetyBackup?.GetAwaiter().GetResult() is { } record) record.Destination.Delete(record);
        }
        catch (Exception ex) when (ex is BackupException or IOException)
        {
            context.Verbose($"The safety backup was not kept: {ex.Message}");
        }
    }

    private static void CheckDatabaseTarget(string target, bool force)
    {
        if (Directory.Exists(target))
            throw new BackupException("TargetIsFolder", BackupErrorKind.InvalidArgument, $"-Target '{target}' is a folder. Give the path of the database file to restore into.", target);
        if (!File.Exists(target) || new FileInfo(target).Length == 0 || force) return;
        try { SqliteDatabase.EnsureIsDatabase(target); }
        catch (BackupException ex) when (ex.ErrorId == "NotASqliteDatabase")
        {
            throw new BackupException("TargetNotSqlite", BackupErrorKind.InvalidArgument,
                $"-Target '{target}' exists and is not a SQLite database, so restoring would destroy it. Check the path; use -Force to overwrite it anyway.", target, ex);
        }
    }

    private static ScratchFolder NewScratch(string workDir)
    {
        try { return new ScratchFolder(workDir, "restore"); }
        catch (Exception ex) when (IoErrors.FromWrite(ex, workDir) is { } error) { throw error; }
    }

    private static BackupRecord? TakeSafetyBackup(RestorePlan plan, RestoreRequest request, OperationContext context)
    {
        var database = plan.DatabaseTarget is not null && File.Exists(plan.DatabaseTarget) && new FileInfo(plan.DatabaseTarget).Length > 0 ? plan.DatabaseTarget : null;
        if (database is not null)
        {
            try { SqliteDatabase.EnsureIsDatabase(database); }
            catch (BackupException) { database = null; } // a non-SQLite file overwritten with -Force: nothing SQLite can snapshot
        }
        var files = plan.FileTargets.Select(f => f.Target).Where(t => File.Exists(t) || Directory.Exists(t)).ToList();
        if (database is null && files.Count == 0) return null;
        // Into -SafetyBackupDestination, else beside the restored backup (the same folder or S3 prefix).
        var target = request.SafetyBackupDestination is null ? plan.Record?.Destination : null;
        var destination = request.SafetyBackupDestination ?? target?.Location ?? System.IO.Path.GetDirectoryName(plan.BackupPath)!;
        context.Verbose($"Taking the pre-restore safety backup into '{destination}'.");
        return BackupOperation.Run(new BackupRequest
        {
            DatabasePath = database,
            IncludePaths = files,
            Destination = destination,
            Target = target,
            Stores = request.Stores,
            Type = BackupType.PreRestore,
            Name = database is null ? plan.Manifest.DatabaseName : null,
            Description = $"Before restoring backup {plan.Manifest.Id} ({plan.Manifest.CreatedUtc:u})",
            Tags = ["PreRestore"],
            LockTimeout = request.LockTimeout,
            AllowDamaged = true, // a damaged target is exactly what gets restored over: keep its copy, marked
            // The safety copy of an encrypted backup's target is as sensitive: it is encrypted for the keys that opened the backup.
            Encryption = Encryption.EncryptedBackups.SafetyCopyNeedsEncryption(plan.BackupPath, plan.Record) ? context.Keys : null,
        }, context);
    }

    /// <summary>Swaps the verified scratch copy in: by rename when the target is new, else through the backup API in one transaction.</summary>
    private static void ReplaceDatabase(string scratchDb, string target, string mode, TimeSpan lockTimeout, OperationContext context)
    {
        if (!File.Exists(target))
        {
            context.Verbose($"'{target}' does not exist yet: moving the restored database into place.");
            FileSystemSecurity.SetMode(scratchDb, Convert.ToInt32(mode, 8));
            SqliteLeftovers.MoveAsideOrphans(target, context);
            File.Move(scratchDb, target);
            PosixFs.SyncDirectory(System.IO.Path.GetDirectoryName(target)!);
            return;
        }
        if (!IsSqliteFile(target))
        {
            // Only reachable with -Force (Plan refuses a non-SQLite target otherwise): SQLite cannot open it, so replace the file.
            context.Verbose($"'{target}' is not a SQLite database: replacing the file with the restored database (-Force).");
            File.Move(scratchDb, target, overwrite: true);
            PosixFs.SyncDirectory(System.IO.Path.GetDirectoryName(target)!);
            return;
        }
        context.Verbose($"Replacing the content of '{target}' in one transaction through the SQLite backup API.");
        context.Report(new OperationProgress("Restoring", "Replacing the database", 0, -1));
        var deadline = Stopwatch.StartNew();
        try
        {
            using var source = SqliteDatabase.Open(scratchDb, SqliteOpenMode.ReadOnly, lockTimeout);
            using var destination = SqliteDatabase.Open(target, SqliteOpenMode.ReadWrite, lockTimeout);
            while (true)
            {
                try
                {
                    source.BackupDatabase(destination);
                    break;
                }
                // backup_step does not wait on its own: retry on a busy target until the lock timeout.
                catch (SqliteException ex) when (ex.SqliteErrorCode is 5 or 6 && deadline.Elapsed < lockTimeout)
                {
                    context.ThrowIfCancelled();
                    Thread.Sleep(50);
                }
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 8)
        {
            throw new BackupException("TargetPageSizeMismatch", BackupErrorKind.InvalidData,
                $"'{target}' is in WAL mode with a different page size than the backup, which SQLite cannot replace in place. Close the application, delete '{target}' (a safety backup was taken) and restore again.", target, ex);
        }
        catch (SqliteException ex)
        {
            throw SqliteDatabase.Translate(ex, target, lockTimeout);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    private static bool IsSqliteFile(string path)
    {
        if (new FileInfo(path).Length == 0) return true; // SQLite treats an empty file as an empty database
        try { SqliteDatabase.EnsureIsDatabase(path); return true; }
        catch (BackupException ex) when (ex.ErrorId == "NotASqliteDatabase") { return false; }
    }

    /// <summary>Fault injection for tests: runs right after the swap, before the check (e.g. to damage the target as a failing disk would).</summary>
    internal static Action<string>? AfterSwapForTesting { get; set; }

    /// <summary>
    /// quick_check on the swapped-in target; on failure, puts the safety backup back and throws. Row counts are not
    /// compared here: the application may already be writing to the restored database.
    /// </summary>
    private static string CheckRestored(RestorePlan plan, BackupRecord? safety, RestoreRequest request, OperationContext context)
    {
        AfterSwapForTesting?.Invoke(plan.DatabaseTarget!);
        context.Verbose($"Running PRAGMA quick_check on '{plan.DatabaseTarget}'.");
        context.Report(new OperationProgress("Restoring", "PRAGMA quick_check", 0, -1));
        List<string> problems;
        try
        {
            using var connection = SqliteDatabase.Open(plan.DatabaseTarget!, SqliteOpenMode.ReadOnly, request.LockTimeout);
            var messages = SqliteDatabase.CheckIntegrity(connection, quick: true);
            problems = messages is ["ok"] ? [] : messages.Take(10).ToList();
        }
        catch (SqliteException ex)
        {
            problems = [ex.Message];
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
        if (problems.Count == 0) return "ok";

        var rolledBack = "no safety backup existed (the target was new), so the restored file was removed";
        if (safety is not null)
        {
            RollBack(safety, plan.DatabaseTarget!, request.LockTimeout, context);
            rolledBack = $"the target was rolled back from safety backup {safety.Id}";
        }
        else FileSystemSecurity.DeleteDatabaseFiles(plan.DatabaseTarget!);
        throw new BackupException("RestoreCheckFailed", BackupErrorKind.InvalidData,
            $"The restored database '{plan.DatabaseTarget}' failed its check after the swap ({string.Join("; ", problems)}); {rolledBack}.", plan.DatabaseTarget);
    }

    private static void RollBack(BackupRecord safety, string target, TimeSpan lockTimeout, OperationContext context)
    {
        context.Verbose($"Rolling back '{target}' from safety backup {safety.Id}.");
        using var scratch = new ScratchFolder(System.IO.Path.GetDirectoryName(target)!, "rollback");
        var sink = new ExtractingSink(scratch.File("database.db"), null);
        ArchiveReader.Read(safety.Path, sink, context, record: safety);
        ReplaceDatabase(sink.DatabasePath, target, safety.Manifest.DatabaseEntry?.Mode ?? "0600", lockTimeout, context);
    }

    /// <summary>Moves staged files under their target root, refusing any path that would land outside it.</summary>
    private static (int Count, long Bytes) PlaceFiles(RestorePlan plan, ExtractingSink sink, FileRoot root, string target, OperationContext context)
    {
        var prefix = Manifest.FilesFolder + root.Name;
        var rootWithSeparator = target.TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
        int count = 0;
        long bytes = 0;
        // Under this root only: root 'data' must not take 'data-old' (or 'config' take 'config-2').
        bool InRoot(ManifestEntry e) => e.Path.TrimEnd('/') == prefix || e.Path.StartsWith(prefix + "/", StringComparison.Ordinal);
        // A backup made before the database was left out of included folders holds a raw (possibly torn) copy of it:
        // never let that overwrite the verified snapshot just restored.
        var database = plan.DatabaseTarget is null ? [] : new HashSet<string>([plan.DatabaseTarget, .. IncludedFiles.DatabaseCompanions.Select(c => plan.DatabaseTarget + c)]);
        foreach (var entry in plan.Manifest.Entries.Where(e => e.Kind != EntryKind.Database && InRoot(e)))
        {
            var relative = entry.Path.TrimEnd('/')[prefix.Length..].TrimStart('/');
            var destination = System.IO.Path.GetFullPath(relative.Length == 0 ? target : System.IO.Path.Combine(target, relative.Replace('/', System.IO.Path.DirectorySeparatorChar)));
            if (destination != target && !destination.StartsWith(rootWithSeparator, StringComparison.Ordinal))
                throw new BackupException("UnsafeRestorePath", BackupErrorKind.InvalidData, $"'{entry.Path}' would be restored outside '{target}'; refused.", entry.Path);
            if (entry.Kind == EntryKind.Directory)
            {
                Directory.CreateDirectory(destination);
                FileSystemSecurity.SetMode(destination, Convert.ToInt32(entry.Mode, 8));
                continue;
            }
            if (database.Contains(destination))
            {
                context.Warning($"Not restored: '{entry.Path}' is a raw copy of the database just restored from its snapshot ('{destination}').");
                continue;
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(destination)!);
            File.Move(sink.StagedPath(entry), destination, overwrite: true);
            context.Verbose($"Restored '{destination}'.");
            count++;
            bytes += entry.Size;
        }
        foreach (var entry in plan.Manifest.Entries.Where(e => e.Kind == EntryKind.Directory && InRoot(e)))
        {
            var relative = entry.Path.TrimEnd('/')[prefix.Length..].TrimStart('/');
            Directory.SetLastWriteTimeUtc(relative.Length == 0 ? target : System.IO.Path.Combine(target, relative), entry.ModifiedUtc.UtcDateTime);
        }
        return (count, bytes);
    }
}
