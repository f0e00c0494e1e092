using System.Diagnostics;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>Checks specific to PostgreSQL backups: pg_restore --list parses the dump; a restore test into a throwaway database.</summary>
public static class PostgresVerify
{
    /// <summary>The dump's table of contents: which tables' data and whether large objects are in it.</summary>
    internal static PostgresDumpToc Toc(string dumpPath, string? pgBinPath, OperationContext context) =>
        PostgresDumpToc.Parse(List(dumpPath, pgBinPath, context));

    /// <summary>pg_restore --list of a custom-format dump: its table of contents, or BackupCorrupt when it does not parse.</summary>
    internal static string List(string dumpPath, string? pgBinPath, OperationContext context)
    {
        var (pgRestore, _, _) = PostgresTools.Find("pg_restore", pgBinPath);
        var (code, stdout, stderr) = PostgresTools.Run(pgRestore, ["--list", dumpPath], new Dictionary<string, string?>(), TimeSpan.FromMinutes(10), context.Cancellation);
        if (code != 0) throw ArchiveReader.Corrupt(dumpPath, $"pg_restore --list cannot read the dump: {stderr.Trim()}");
        return stdout;
    }

    /// <summary>The PostgreSQL part of Test-DbBackup: the decompressed dump's table of contents parses and lists the manifest's tables.</summary>
    internal static void CheckDump(VerifyResult result, string dumpPath, OperationContext context)
    {
        if (result.Manifest!.Postgres?.DumpFormat == "plain") { Import.PlainDumps.Check(result, dumpPath, context); return; }
        try
        {
            var toc = Toc(dumpPath, null, context);
            var missing = result.Manifest!.Tables.Where(t => !toc.HasData(t)).Select(t => t.DisplayName).ToList();
            var largeObjects = result.Manifest.Postgres?.LargeObjects;
            if (missing.Count > 0) result.Fail("DumpList", $"pg_restore --list parses the dump, but it holds no data for {string.Join(", ", missing.Take(10))}.");
            else if (largeObjects is { Count: > 0 } && !toc.HasLargeObjects) result.Fail("DumpList", $"pg_restore --list parses the dump, but it holds no large objects; the manifest says {largeObjects.Count}.");
            else result.Pass("DumpList", $"pg_restore --list parses the dump: {toc.DataOids.Count} table data entries, every table of the manifest present{(largeObjects is { Count: > 0 } ? $", large objects present" : "")}.");
        }
        catch (BackupException ex) when (ex.ErrorId == "BackupCorrupt")
        {
            result.Fail("DumpList", ex.Message);
        }
        catch (BackupException ex) when (ex.ErrorId == "PgDumpNotFound")
        {
            result.Skip("DumpList", ex.Message);
        }
    }

    /// <summary>
    /// Test-DbBackup -RestoreTest: verify + extract, pg_restore into a throwaway database on <paramref name="server"/>,
    /// compare every table's row count with the manifest, drop the database; the outcome and time go into the sidecar.
    /// </summary>
    public static VerifyResult RestoreTest(VerifyRequest request, PostgresConnectionInfo server, string? pgBinPath, int jobs, OperationContext context) =>
        Audit.Audited.Run(context, Audit.Audited.ForBackup(Audit.AuditOperation.Test, request.Record, request.Path),
            () => RestoreTestUnaudited(request, server, pgBinPath, jobs, context), Audit.Audited.DescribeVerification);

    private static VerifyResult RestoreTestUnaudited(VerifyRequest request, PostgresConnectionInfo server, string? pgBinPath, int jobs, OperationContext context)
    {
        var record = request.Record ?? BackupLocator.FromPath(request.Path ?? throw new ArgumentException("Record or Path is required."));
        var path = record?.Path ?? System.IO.Path.GetFullPath(request.Path!);
        using var scratch = new ScratchFolder(request.ScratchDirectory ?? System.IO.Path.GetTempPath(), "verify");
        var sink = new ExtractingSink(scratch.File("database.pgdump"), filesStagingRoot: null);
        var result = VerifyOperation.Verify(path, record, sink, quick: false, context);
        if (result.Manifest?.Engine != PostgresBackupOperation.EngineName)
        {
            result.Skip("RestoreTest", "-RestoreTest applies to PostgreSQL backups only.");
        }
        else if (!result.Passed)
        {
            result.Skip("RestoreTest", "Not attempted: the backup failed verification.");
        }
        else if (Encryption.EncryptedBackups.IsEncrypted(path, record) && context.Keys is not { IsEmpty: false })
        {
            result.Skip("RestoreTest", "Not attempted: the backup is encrypted; it needs the passphrase or a recipient's private key.");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var name = $"{Truncate(result.Manifest.DatabaseName)}_backupps_test_{Guid.NewGuid().ToString("N")[..8]}";
            try
            {
                PostgresRestoreOperation.CheckServerVersion(server, result.Manifest, pgBinPath, context);
                PostgresRestoreOperation.RestoreInto(server, name, sink.DumpPath, result.Manifest, pgBinPath, jobs, context);
                var problems = PostgresRestoreOperation.CompareRowCounts(server, name, result.Manifest, context, jobs);
                if (problems.Count > 0) result.Fail("RestoreTest", $"Restored into {server.Display(name)}, but: {string.Join("; ", problems.Take(10))}.");
                else result.Pass("RestoreTest", $"Restored into a throwaway database on {server.Display("")} in {clock.Elapsed.TotalSeconds:0.0} s; {result.Manifest.Tables.Count} tables, {result.Manifest.Tables.Sum(t => t.Rows)} rows, as in the manifest.");
            }
            catch (BackupException ex) when (ex.Kind is BackupErrorKind.InvalidData)
            {
                result.Fail("RestoreTest", ex.Message);
            }
            finally
            {
                PostgresServer.DropQuietly(server, name, context.Warning);
            }
        }
        result.VerifiedUtc = DateTimeOffset.UtcNow;
        if (record is not null)
        {
            record.Sidecar.LastVerifiedUtc = result.VerifiedUtc;
            record.Sidecar.LastVerificationPassed = result.Passed;
            if (result.Checks.Any(c => c.Name == "RestoreTest" && c.Outcome != CheckOutcome.Skipped))
            {
                record.Sidecar.RestoreTestedUtc = result.VerifiedUtc;
                record.Sidecar.RestoreTestPassed = result.Passed;
            }
            try { record.Destination.WriteSidecar(record, record.Sidecar); }
            catch (BackupException ex) { context.Warning($"The result could not be recorded in '{record.SidecarPath}': {ex.Message}"); }
        }
        return result;
    }

    internal static string Truncate(string name) => PostgresDatabaseNames.Prefix(name);
}
