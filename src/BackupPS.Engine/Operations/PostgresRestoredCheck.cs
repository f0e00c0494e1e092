using Npgsql;
using BackupPS.Engine.Format;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Compares a restored database with its backup's manifest: every table's row count (by schema and table, as pg_dump
/// read it: ONLY, all rows) and the large objects' count and hash. Used by Restore-DbBackup and -RestoreTest.
/// </summary>
internal static class PostgresRestoredCheck
{
    /// <summary>With <paramref name="jobs"/> &gt; 1 the tables are shared, largest first, between that many connections counting in parallel.</summary>
    public static List<string> Compare(PostgresConnectionInfo server, string database, Manifest manifest, OperationContext context, int jobs = 1)
    {
        var problems = CompareRowCounts(server, database, manifest, context, jobs);
        if (manifest.Postgres?.LargeObjects is { } expected)
        {
            using var conn = PostgresServer.Open(server, database, context.Cancellation);
            problems.AddRange(PostgresLargeObjects.Compare(expected, PostgresLargeObjects.Digest(conn, null, context.Cancellation)));
        }
        return problems;
    }

    private static List<string> CompareRowCounts(PostgresConnectionInfo server, string database, Manifest manifest, OperationContext context, int jobs)
    {
        var byParts = manifest.Tables.All(t => t.Schema is not null && t.Table is not null);
        var wanted = manifest.Tables.Select(t => byParts ? t.Schema + "\0" + t.Table : t.Name).ToHashSet(StringComparer.Ordinal);
        List<Counted> tables;
        using (var conn = PostgresServer.Open(server, database, context.Cancellation))
        {
            var facts = new Dictionary<uint, (long Size, bool Forced)>();
            using (var cmd = new NpgsqlCommand(
                "SELECT c.oid, pg_relation_size(c.oid), c.relrowsecurity AND c.relforcerowsecurity AND NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) " +
                "FROM pg_class c WHERE c.relkind IN ('r','m')", conn))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) facts[r.GetFieldValue<uint>(0)] = (r.GetInt64(1), r.GetBoolean(2));
            tables = PostgresServer.Tables(conn, null).Where(t => wanted.Contains(byParts ? t.Schema + "\0" + t.Name : t.Schema + "." + t.Name))
                .OrderByDescending(t => facts.GetValueOrDefault(t.Oid).Size)
                .Select(t => new Counted(t.Schema, t.Name, facts.GetValueOrDefault(t.Oid).Forced)).ToList();
            if (jobs <= 1 || tables.Count <= 1)
                return RowCounts.Compare(manifest.Tables, [.. tables.Select(t => Count(conn, t, context.Cancellation))]);
        }
        var queue = new System.Collections.Concurrent.ConcurrentQueue<Counted>(tables);
        var results = new System.Collections.Concurrent.ConcurrentBag<TableRowCount>();
        var workers = Enumerable.Range(0, Math.Min(jobs, tables.Count)).Select(_ => Task.Run(() =>
        {
            using var conn = PostgresServer.Open(server, database, context.Cancellation);
            while (queue.TryDequeue(out var table)) results.Add(Count(conn, table, context.Cancellation));
        })).ToArray();
        try { Task.WaitAll(workers); }
        catch (AggregateException ex) { System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw(); }
        return RowCounts.Compare(manifest.Tables, [.. results.OrderBy(c => c.Name, StringComparer.Ordinal)]);
    }

    private sealed record Counted(string Schema, string Name, bool Forced);

    /// <summary>
    /// count(*) FROM ONLY, as pg_dump read it. A table with FORCE ROW LEVEL SECURITY hides rows even from its owner (our
    /// sessions run row_security=off, so the count is refused): the owner counts it inside a transaction that lifts
    /// FORCE and is rolled back, so the restored copy is never changed.
    /// </summary>
    private static TableRowCount Count(NpgsqlConnection conn, Counted table, CancellationToken cancel)
    {
        if (!table.Forced) return PostgresServer.CountRows(conn, null, [(table.Schema, table.Name)], cancel)[0];
        using var tx = conn.BeginTransaction();
        PostgresServer.Execute(conn, $"ALTER TABLE ONLY {PostgresServer.Quote(table.Schema)}.{PostgresServer.Quote(table.Name)} NO FORCE ROW LEVEL SECURITY", tx);
        var count = PostgresServer.CountRows(conn, tx, [(table.Schema, table.Name)], cancel)[0];
        tx.Rollback();
        return count;
    }
}
