using System.Diagnostics;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Import;

/// <summary>
/// Backups holding a pg_dump plain SQL dump (postgres.dumpFormat "plain", only made by Import-DbBackup): checked by
/// pg_dump's header and trailer and the rows of its COPY blocks instead of pg_restore --list, restored with psql.
/// </summary>
internal static class PlainDumps
{
    /// <summary>The Test-DbBackup check of the extracted dump: complete, and holding the rows the manifest lists.</summary>
    public static void Check(VerifyResult result, string dumpPath, OperationContext context)
    {
        PgDumpText text;
        try { text = PgDumpText.Scan(dumpPath, context.Cancellation); }
        catch (InvalidDataException ex) { result.Fail("DumpList", $"The SQL dump cannot be read: {ex.Message}"); return; }
        if (!text.HasHeader || !text.Complete)
        {
            result.Fail("DumpList", $"The SQL dump is incomplete: pg_dump's {(text.HasHeader ? "trailer" : "header")} is missing.");
            return;
        }
        var problems = RowCounts.Compare(result.Manifest!.Tables, text.Tables);
        if (problems.Count > 0) result.Fail("DumpList", $"The SQL dump does not hold what the manifest lists: {string.Join("; ", problems.Take(10))}.");
        else result.Pass("DumpList", $"The SQL dump is complete (pg_dump header and trailer): {text.Tables.Count} tables, {text.Tables.Sum(t => t.Rows)} rows in COPY blocks, as in the manifest.");
    }

    /// <summary>psql -X --set ON_ERROR_STOP=1 -f dump into the (new, empty) <paramref name="database"/>; the password only in the child's PGPASSWORD.</summary>
    public static void Restore(PostgresConnectionInfo server, string database, string dumpPath, string? pgBinPath, OperationContext context)
    {
        var (psql, _, _) = PostgresTools.Find("psql", pgBinPath);
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = PostgresTools.Run(psql, ["--no-psqlrc", "--no-password", "--quiet", "--set=ON_ERROR_STOP=1", "--file=" + dumpPath],
            server.ChildEnvironment(database), Timeout.InfiniteTimeSpan, context.Cancellation);
        if (code != 0) throw PostgresTools.ErrorFrom("psql", stderr, server.Display(database));
        context.Verbose($"psql loaded the SQL dump in {clock.Elapsed.TotalSeconds:0.00} s.");
    }
}
