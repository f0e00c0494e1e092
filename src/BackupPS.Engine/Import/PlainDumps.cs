using System.Diagnostics;
using System.Security.Cryptography;
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
        if (text.ForeignMetaCommand is { } meta)
        {
            // Restore runs this file with psql only after this check passed: a psql command pg_dump never writes could run a shell.
            result.Fail("DumpList", $"The SQL dump holds the psql command '{meta}', which pg_dump does not write; it is not run with psql.");
            return;
        }
        var problems = RowCounts.Compare(result.Manifest!.Tables, text.Tables);
        if (problems.Count > 0) result.Fail("DumpList", $"The SQL dump does not hold what the manifest lists: {string.Join("; ", problems.Take(10))}.");
        else result.Pass("DumpList", $"The SQL dump is complete (pg_dump header and trailer): {text.Tables.Count} tables, {text.Tables.Sum(t => t.Rows)} rows in COPY blocks, as in the manifest.");
    }

    /// <summary>
    /// Loads the dump into the (new, empty) <paramref name="database"/> with psql -X, ON_ERROR_STOP on, the password only in
    /// the child's PGPASSWORD. The script goes to psql's stdin behind "\restrict &lt;random key&gt;" (psql 13.22, 14.19,
    /// 15.14, 16.10, 17.6 and newer): psql then refuses every meta-command in the file — "\! …" anywhere on a line
    /// included — so a doctored dump cannot run shell commands as the restoring user. The dump's own \restrict and
    /// \unrestrict lines are left out (they would end that mode). An older psql is refused (PsqlTooOld): the line-by-line
    /// check (<see cref="Check"/>) sees commands at a line start only, and psql runs them anywhere on a line.
    /// </summary>
    public static void Restore(PostgresConnectionInfo server, string database, string dumpPath, string? pgBinPath, OperationContext context)
    {
        var (psql, version, _) = PostgresTools.Find("psql", pgBinPath);
        if (!SupportsRestrict(version))
            throw new BackupException("PsqlTooOld", BackupErrorKind.ResourceUnavailable,
                $"psql {version} ('{psql}') predates \\restrict, so it cannot refuse psql commands (such as \\! shell commands) hidden in a plain SQL dump, and BackupPS does not load plain dumps with it. Update the PostgreSQL client programs (13.22, 14.19, 15.14, 16.10, 17.6 or newer), or give -PgBinPath a folder with a newer psql.", psql);
        var clock = Stopwatch.StartNew();
        using var process = PostgresTools.Start(psql, ["--no-psqlrc", "--no-password", "--quiet", "--set=ON_ERROR_STOP=1"],
            server.ChildEnvironment(database), redirectStdout: true, keepStdinOpen: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        IOException? feedError = null;
        try
        {
            var stdin = process.StandardInput.BaseStream;
            try
            {
                stdin.Write(System.Text.Encoding.ASCII.GetBytes("\\restrict " + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)) + "\n"));
                using var dump = new FileStream(dumpPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                CopyWithoutRestrictLines(dump, stdin, context.Cancellation);
                stdin.Flush();
            }
            catch (IOException ex) { feedError = ex; } // psql stopped at an error (broken pipe): its exit code and stderr tell why
            finally
            {
                try { process.StandardInput.Close(); } catch (IOException) { }
            }
            PostgresTools.WaitOrKill(process, Timeout.InfiniteTimeSpan, context.Cancellation);
        }
        catch
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        stdout.GetAwaiter().GetResult();
        if (process.ExitCode != 0) throw PostgresTools.ErrorFrom("psql", stderr.GetAwaiter().GetResult(), server.Display(database));
        if (feedError is not null) throw new BackupException("PostgresToolFailed", BackupErrorKind.InvalidData, $"psql stopped reading the SQL dump: {feedError.Message}", server.Display(database), feedError);
        context.Verbose($"psql loaded the SQL dump in {clock.Elapsed.TotalSeconds:0.00} s (meta-commands refused: \\restrict).");
    }

    /// <summary>psql versions with \restrict / \unrestrict (August 2025 minor releases and later majors).</summary>
    internal static bool SupportsRestrict(string version)
    {
        var parts = version.Split('.');
        if (!int.TryParse(parts[0], out var major)) return false;
        var minor = parts.Length > 1 && int.TryParse(parts[1], out var m) ? m : 0;
        return major >= 18 || major switch { 17 => minor >= 6, 16 => minor >= 10, 15 => minor >= 14, 14 => minor >= 19, 13 => minor >= 22, _ => false };
    }

    /// <summary>Copies the dump byte for byte (any client encoding), leaving out the lines that start with \restrict or \unrestrict.</summary>
    internal static void CopyWithoutRestrictLines(Stream from, Stream to, CancellationToken cancel, int bufferSize = 1 << 20)
    {
        var buffer = new byte[Math.Max(bufferSize, 64)];
        int length = 0;
        bool atLineStart = true, skipping = false, ended = false;
        while (!ended || length > 0)
        {
            cancel.ThrowIfCancellationRequested();
            if (!ended)
            {
                var n = from.Read(buffer, length, buffer.Length - length);
                if (n == 0) ended = true;
                length += n;
            }
            var pos = 0;
            while (pos < length)
            {
                if (atLineStart)
                {
                    var available = buffer.AsSpan(pos, length - pos);
                    // "\unrestrict " is 12 bytes: decide once that much of the line (or its end, or the file's end) is here.
                    if (available.Length < 12 && available.IndexOf((byte)'\n') < 0 && !ended) break;
                    skipping = available.StartsWith("\\restrict "u8) || available.StartsWith("\\unrestrict "u8);
                    atLineStart = false;
                }
                var newline = buffer.AsSpan(pos, length - pos).IndexOf((byte)'\n');
                var end = newline < 0 ? length : pos + newline + 1;
                if (!skipping) to.Write(buffer, pos, end - pos);
                pos = end;
                if (newline >= 0) atLineStart = true;
            }
            Buffer.BlockCopy(buffer, pos, buffer, 0, length - pos);
            length -= pos; // fewer than 12 bytes of an undecided line start are carried to the next read
        }
    }
}
