using System.Diagnostics;
using Microsoft.Data.Sqlite;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>What Test-DbBackup asks for: a listed backup (Record) or a backup file (Path).</summary>
public sealed class VerifyRequest
{
    public BackupRecord? Record { get; init; }
    public string? Path { get; init; }
    /// <summary>PRAGMA quick_check instead of integrity_check (about 7× cheaper; skips index consistency).</summary>
    public bool Quick { get; init; }
    /// <summary>Where the database is decompressed to be checked; the system temp folder by default.</summary>
    public string? ScratchDirectory { get; init; }
}

/// <summary>
/// Deep verification: the whole file's SHA-256 against the sidecar, decompression and tar structure, every entry's
/// SHA-256, PRAGMA integrity_check of the decompressed database and its row counts against the manifest. Damage is a
/// failed check with its reason, never an exception; the last verification is recorded in the sidecar.
/// </summary>
public static class VerifyOperation
{
    public static VerifyResult Run(VerifyRequest request, OperationContext context) =>
        Audit.Audited.Run(context, Audit.Audited.ForBackup(Audit.AuditOperation.Test, request.Record, request.Path),
            () => RunUnaudited(request, context), Audit.Audited.DescribeVerification);

    private static VerifyResult RunUnaudited(VerifyRequest request, OperationContext context)
    {
        var record = request.Record ?? LocateForVerify(request.Path ?? throw new ArgumentException("Record or Path is required."), context);
        var path = record?.Path ?? System.IO.Path.GetFullPath(request.Path!);
        var scratchParent = request.ScratchDirectory ?? System.IO.Path.GetTempPath();
        StaleTemporaryFiles.CleanTempFolder(context);
        VerifyResult result;
        try
        {
            using var scratch = new ScratchFolder(scratchParent, "verify");
            result = Verify(path, record, new ExtractingSink(scratch.File("database.db"), filesStagingRoot: null), request.Quick, context);
        }
        catch (Exception ex) when (IoErrors.FromWrite(ex, scratchParent) is { } error)
        {
            throw error; // the scratch disk, not the backup: an error, not a failed verification
        }
        if (record is not null) RecordOutcome(record, result, context);
        return result;
    }

    /// <summary>
    /// The record beside a backup given by path. An unreadable sidecar does not stop verification: Get-DbBackup's advice
    /// for one is to check the file with Test-DbBackup -Path, so the archive is then verified on its own.
    /// </summary>
    private static BackupRecord? LocateForVerify(string path, OperationContext context)
    {
        try
        {
            return BackupLocator.FromPath(path);
        }
        catch (BackupException ex) when (ex.ErrorId == "SidecarUnreadable")
        {
            context.Warning($"The sidecar of '{path}' cannot be read ({ex.InnerException?.Message}); verifying the archive on its own, by the checksums inside it.");
            return null;
        }
    }

    /// <summary>Verifies <paramref name="path"/> while extracting through <paramref name="sink"/>; Restore calls this to verify and extract in one pass.</summary>
    /// <param name="afterExtract">Runs once every byte is extracted and checksummed, before the (single-threaded) database
    /// check: Restore starts its safety backup there, so the two share the machine and a damaged backup starts none.</param>
    /// <param name="reuseCheck">Restore: skip integrity_check and row counts when the sidecar records that they passed on an
    /// image with the SHA-256 just computed from the extracted bytes.</param>
    internal static VerifyResult Verify(string path, BackupRecord? record, ExtractingSink sink, bool quick, OperationContext context, Action? afterExtract = null, bool reuseCheck = false)
    {
        var clock = Stopwatch.StartNew();
        var result = new VerifyResult { Path = path, Record = record, Manifest = record?.Manifest };
        context.Verbose($"Verifying '{path}'.");
        var total = record?.SizeBytes > 0 ? record.TotalSourceBytes : new FileInfo(path).Length;
        var meter = new ProgressMeter(context, "Verifying " + System.IO.Path.GetFileName(path), total) { Status = "Decompressing and hashing" };
        ArchiveContents? contents = null;
        var encrypted = EncryptedBackups.IsEncrypted(path, record);
        try
        {
            if (encrypted && context.Keys is not { IsEmpty: false })
            {
                EncryptedBackups.VerifyWithoutKey(result, record, path);
                if (result.Status == VerifyStatus.Partial) context.Warning(result.PartialReason!);
            }
            else
                contents = ArchiveReader.Read(path, sink, context, meter.Add, record);
        }
        catch (BackupException ex) when (ex.Kind is BackupErrorKind.InvalidData or BackupErrorKind.NotFound or BackupErrorKind.PermissionDenied
                                         || (ex.Kind is BackupErrorKind.Security && EncryptedBackups.FileDiffersFromSidecar(record, path)))
        {
            result.Fail("Archive", ex.Kind is BackupErrorKind.Security ? $"The backup '{path}' is damaged: its key slot does not open and the file differs from the SHA-256 in its sidecar, so it was altered after it was written." : ex.Message); // first: it names the backup and the damage (FailureReason)
            if (record is not null) CheckFileOnly(result, record, path);
        }
        if (contents is not null)
        {
            // An encrypted backup's sidecar holds a redacted manifest: the decrypted one is the reference.
            if (result.Manifest is null || encrypted) result.Manifest = WithHashes(contents.Manifest, contents.TrailerHashes);
            CheckFile(result, record, contents);
            result.Pass("Archive", $"{contents.Compression} stream and tar structure intact; manifest format {contents.Manifest.FormatVersion}.");
            CheckEntries(result, record, contents);
            if (result.Passed) afterExtract?.Invoke();
            if (result.Passed && contents.Manifest.DatabaseEntry is not null)
            {
                result.DatabaseSha256 = contents.ComputedHashes.GetValueOrDefault(contents.Manifest.DatabaseEntry.Path);
                if (contents.Manifest.Engine == PostgresBackupOperation.EngineName) PostgresVerify.CheckDump(result, sink.DumpPath, context);
                else if (!(reuseCheck && !quick && ReuseCheck(result, record, context))) CheckDatabase(result, sink.DatabasePath, quick, context);
            }
        }
        result.Duration = clock.Elapsed;
        result.VerifiedUtc = DateTimeOffset.UtcNow;
        context.Verbose(result.Status switch
        {
            VerifyStatus.Passed => $"Verification passed in {result.Duration.TotalSeconds:0.00} s.",
            VerifyStatus.Partial => $"Verification PARTIAL: {result.FailureReason}",
            _ => $"Verification FAILED: {result.FailureReason}",
        });
        return result;
    }

    private static void CheckFile(VerifyResult result, BackupRecord? record, ArchiveContents contents)
    {
        if (record is null)
            result.Skip("FileChecksum", "No sidecar beside the file; entry checksums inside the archive are checked instead.");
        else if (record.SizeBytes != contents.FileSize || !string.Equals(record.Sha256, contents.FileSha256, StringComparison.OrdinalIgnoreCase))
            result.Fail("FileChecksum", $"SHA-256 of the file is {contents.FileSha256} ({contents.FileSize} bytes); the sidecar says {record.Sha256} ({record.SizeBytes} bytes).");
        else
            result.Pass("FileChecksum", $"SHA-256 {contents.FileSha256} matches the sidecar.");
        if (record is not null && record.Id != contents.Manifest.Id)
            result.Fail("Manifest", $"The archive's manifest is backup {contents.Manifest.Id}, but its sidecar describes {record.Id}.");
        else if (record is not null && SidecarAgreement.Differences(record, contents.Manifest) is { Count: > 0 } differences)
            result.Fail("Manifest", SidecarAgreement.Mismatch(record.Path, differences).Message.Replace("; nothing was restored", "", StringComparison.Ordinal));
    }

    /// <summary>When the archive cannot be read, the whole-file SHA-256 still says whether it changed since it was written.</summary>
    private static void CheckFileOnly(VerifyResult result, BackupRecord record, string path)
    {
        try
        {
            using var file = BackupFiles.OpenRead(path, record);
            var size = file.Length;
            var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(file)).ToLowerInvariant();
            if (size != record.SizeBytes || !string.Equals(sha, record.Sha256, StringComparison.OrdinalIgnoreCase))
                result.Fail("FileChecksum", $"SHA-256 of the file is {sha} ({size} bytes); the sidecar says {record.Sha256} ({record.SizeBytes} bytes): it was altered or truncated after it was written.");
            else
                result.Pass("FileChecksum", $"SHA-256 {sha} matches the sidecar: the file is as written, so the damage was there from the start.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BackupException)
        {
            result.Fail("FileChecksum", $"The file cannot be read: {ex.Message}");
        }
    }

    private static void CheckEntries(VerifyResult result, BackupRecord? record, ArchiveContents contents)
    {
        var problems = new List<string>();
        foreach (var (name, computed) in contents.ComputedHashes)
        {
            if (!contents.TrailerHashes.TryGetValue(name, out var trailer)) problems.Add($"'{name}' has no checksum in {Manifest.ChecksumsEntryName}");
            else if (trailer != computed) problems.Add($"'{name}' has SHA-256 {computed}, the archive recorded {trailer}");
            var recorded = record?.Manifest.Entries.FirstOrDefault(e => e.Path == name)?.Sha256;
            if (record is not null && !record.Encrypted && recorded != computed) problems.Add($"'{name}' has SHA-256 {computed}, the sidecar recorded {recorded ?? "none"}");
        }
        if (problems.Count > 0) result.Fail("EntryChecksums", string.Join("; ", problems));
        else result.Pass("EntryChecksums", $"{contents.ComputedHashes.Count} entries match their SHA-256.");
    }

    /// <summary>
    /// The same bytes give the same verdict: when the sidecar records that integrity_check and the row counts passed on an
    /// image whose SHA-256 is the one just computed from the extracted bytes, they are not run again. The hash is the
    /// extracted image's, never the sidecar's word for it, so a sidecar claiming a check cannot vouch for other bytes.
    /// </summary>
    private static bool ReuseCheck(VerifyResult result, BackupRecord? record, OperationContext context)
    {
        if (record is not { Encrypted: false, Sidecar: { IntegrityCheckedSha256: { } checkedSha } sidecar } || result.DatabaseSha256 is null
            || !string.Equals(checkedSha, result.DatabaseSha256, StringComparison.OrdinalIgnoreCase)) return false;
        var reused = $"reused: PRAGMA integrity_check and the row counts passed on {sidecar.IntegrityCheckedUtc:u} for this very image (SHA-256 {result.DatabaseSha256} of the bytes just extracted)";
        context.Verbose($"Not running PRAGMA integrity_check again: {reused}.");
        result.Pass("IntegrityCheck", "PRAGMA integrity_check: ok (" + reused + ")");
        result.Pass("RowCounts", $"{result.Manifest!.Tables.Count} tables, {result.Manifest.Tables.Sum(t => t.Rows)} rows, as in the manifest ({reused}).");
        return true;
    }

    /// <summary>Records in the sidecar that the image with <see cref="VerifyResult.DatabaseSha256"/> passed the full check (plain backups only).</summary>
    internal static void RecordFullCheck(BackupRecord record, VerifyResult result)
    {
        if (!result.FullCheckPassed || record.Encrypted || result.DatabaseSha256 is null) return;
        record.Sidecar.IntegrityCheckedSha256 = result.DatabaseSha256;
        record.Sidecar.IntegrityCheckedUtc = result.VerifiedUtc;
    }

    private static void CheckDatabase(VerifyResult result, string databasePath, bool quick, OperationContext context)
    {
        var check = quick ? "quick_check" : "integrity_check";
        context.Verbose($"Running PRAGMA {check} on the decompressed database.");
        context.Report(new OperationProgress("Verifying", $"PRAGMA {check}", 0, -1));
        try
        {
            using var connection = SqliteDatabase.Open(databasePath, SqliteOpenMode.ReadWrite, TimeSpan.FromSeconds(5));
            var messages = SqliteDatabase.CheckIntegrity(connection, quick);
            if (messages is ["ok"]) result.Pass("IntegrityCheck", $"PRAGMA {check}: ok");
            else result.Fail("IntegrityCheck", $"PRAGMA {check}: {string.Join("; ", messages.Take(10))}");
            var mismatches = RowCounts.Compare(result.Manifest!.Tables, SqliteDatabase.CountRows(connection, context.Cancellation));
            if (mismatches.Count > 0) result.Fail("RowCounts", string.Join("; ", mismatches));
            else result.Pass("RowCounts", $"{result.Manifest.Tables.Count} tables, {result.Manifest.Tables.Sum(t => t.Rows)} rows, as in the manifest{ExcludedNote(result.Manifest.Sqlite)}.");
            result.FullCheckPassed = !quick && messages is ["ok"] && mismatches.Count == 0;
        }
        catch (SqliteException ex)
        {
            result.Fail("IntegrityCheck", $"SQLite cannot read the decompressed database: {ex.Message}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// A partial backup's counts are those of its image (excluded data: 0 rows, excluded tables: none), so they match
    /// exactly; the message says so, and a restore brings those tables back that way.
    /// </summary>
    internal static string ExcludedNote(SqliteInfo? sqlite)
    {
        var parts = new List<string>();
        if (sqlite?.ExcludedTableData is { Count: > 0 } data) parts.Add($"data of {data.Count} tables excluded ({string.Join(", ", data)}: empty)");
        if (sqlite?.ExcludedTables is { Count: > 0 } tables) parts.Add($"{tables.Count} tables excluded ({string.Join(", ", tables)}: not in the backup)");
        return parts.Count == 0 ? "" : "; partial backup: " + string.Join("; ", parts);
    }

    private static Manifest WithHashes(Manifest manifest, Dictionary<string, string> hashes)
    {
        foreach (var e in manifest.Entries) e.Sha256 ??= hashes.GetValueOrDefault(e.Path);
        return manifest;
    }

    private static void RecordOutcome(BackupRecord record, VerifyResult result, OperationContext context)
    {
        // Without the key only the file and header of an encrypted backup were checked: that is no verification to
        // list as LastVerified (nor for retention's LastVerified rule). A failure is recorded all the same.
        if (result.Status == VerifyStatus.Partial) return;
        record.Sidecar.LastVerifiedUtc = result.VerifiedUtc;
        record.Sidecar.LastVerificationPassed = result.Passed;
        if (result.Passed) RecordFullCheck(record, result);
        else if (string.Equals(record.Sidecar.IntegrityCheckedSha256, result.DatabaseSha256, StringComparison.OrdinalIgnoreCase)) record.Sidecar.IntegrityCheckedSha256 = null;
        try
        {
            record.Destination.WriteSidecar(record, record.Sidecar);
        }
        catch (BackupException ex)
        {
            context.Warning($"The verification result could not be recorded in '{record.SidecarPath}': {ex.Message}");
        }
    }
}
