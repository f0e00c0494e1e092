using System.Diagnostics;
using Npgsql;
using BackupPS.Engine.Format;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Health;

/// <summary>
/// Get-DbHealth for a PostgreSQL database: only catalog and statistics queries (and count(*) with -Exact), in one
/// read-only transaction. Sessions of other roles show no state in pg_stat_activity unless the role has
/// pg_read_all_stats (or is a superuser), so their transactions are not seen then.
/// </summary>
public static class PostgresHealthCheck
{
    public static HealthReport Run(PostgresConnectionInfo connection, HealthOptions options, OperationContext context)
    {
        if (string.IsNullOrEmpty(connection.Database))
            throw new BackupException("DatabaseNotFound", BackupErrorKind.InvalidArgument,
                $"The connection {connection.Display()} names no database. Add it to the URL (postgres://host/dbname) or Database= of the connection string.", connection.Display());
        var clock = Stopwatch.StartNew();
        var report = new HealthReport
        {
            Engine = "PostgreSQL",
            DatabaseName = BackupMatching.PostgresName(connection),
            Source = connection.Display(),
            CheckedUtc = DateTimeOffset.UtcNow,
        };
        context.Report(new OperationProgress("Checking " + report.DatabaseName, "Connecting", 0, -1));
        using (var conn = PostgresServer.Open(connection, null, context.Cancellation))
        {
            try
            {
                Inspect(conn, report, options, context);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException && PostgresServer.MapError(ex, connection.Display()) is { } error)
            {
                throw error;
            }
        }
        var pg = report.Postgres!;
        if (pg.OldestTransactionAge is { } txAge && txAge > options.MaxTransactionAge)
            report.Warnings.Add($"A transaction has been open for {txAge.TotalMinutes:0} minutes (since {pg.OldestTransactionStartUtc!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC); long transactions hold back vacuum and can block others.");
        if (pg.TransactionIdAge > options.MaxTransactionIdAge)
            report.Warnings.Add($"age(datfrozenxid) is {pg.TransactionIdAge:N0}: VACUUM (FREEZE) the database before it nears transaction ID wraparound (~2.1 billion).");
        if (pg.MaxConnections > 0 && pg.ServerConnections * 10 >= pg.MaxConnections * 9L)
            report.Warnings.Add($"{pg.ServerConnections} of max_connections {pg.MaxConnections} connections are in use on the server.");

        BackupHealth.Evaluate(report, options, records => BackupMatching.OfPostgres(records, connection), context);
        report.Duration = clock.Elapsed;
        return report;
    }

    private static void Inspect(NpgsqlConnection conn, HealthReport report, HealthOptions options, OperationContext context)
    {
        using var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        PostgresServer.Execute(conn, "SET TRANSACTION READ ONLY", tx);
        string version;
        int maxConnections;
        long serverConnections, connections, active, idleInTx, xidAge;
        DateTimeOffset? oldestStart = null;
        TimeSpan? oldestAge = null;
        using (var cmd = new NpgsqlCommand(
            "SELECT current_setting('server_version'), pg_database_size(current_database()), current_setting('max_connections')::int, " +
            "(SELECT age(datfrozenxid) FROM pg_database WHERE datname = current_database())::bigint, " +
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), " +
            "count(*), count(*) FILTER (WHERE a.state = 'active'), count(*) FILTER (WHERE a.state LIKE 'idle in transaction%'), " +
            "min(a.xact_start) FILTER (WHERE a.state IS DISTINCT FROM 'idle'), " +
            "extract(epoch FROM clock_timestamp() - min(a.xact_start) FILTER (WHERE a.state IS DISTINCT FROM 'idle'))::float8 " +
            "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'", conn, tx))
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            version = r.GetString(0);
            report.SizeBytes = r.GetInt64(1);
            maxConnections = r.GetInt32(2);
            xidAge = r.GetInt64(3);
            serverConnections = r.GetInt64(4);
            connections = r.GetInt64(5);
            active = r.GetInt64(6);
            idleInTx = r.GetInt64(7);
            if (!r.IsDBNull(8))
            {
                oldestStart = new DateTimeOffset(r.GetFieldValue<DateTime>(8).ToUniversalTime(), TimeSpan.Zero);
                oldestAge = TimeSpan.FromSeconds(Math.Max(0, r.GetDouble(9)));
            }
        }
        report.Postgres = new PostgresHealth
        {
            ServerVersion = version,
            MaxConnections = maxConnections,
            ServerConnections = serverConnections,
            Connections = connections,
            ActiveConnections = active,
            IdleInTransactionConnections = idleInTx,
            OldestTransactionStartUtc = oldestStart,
            OldestTransactionAge = oldestAge,
            TransactionIdAge = xidAge,
            RowCountsExact = options.Exact,
        };

        context.Report(new OperationProgress("Checking " + report.DatabaseName, options.Exact ? "Counting rows" : "Reading table statistics", 0, -1));
        var tables = new List<(string Schema, string Name, long? Estimate, long Size)>();
        using (var cmd = new NpgsqlCommand(
            "SELECT n.nspname, c.relname, c.reltuples::float8, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE c.relkind IN ('r','m','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' " +
            "AND c.relpersistence <> 't' AND NOT c.relispartition ORDER BY 1, 2", conn, tx))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var estimate = r.GetDouble(2);
                // reltuples is -1 (PostgreSQL 14+) or 0 with relpages 0 (older) until the table is first vacuumed/analyzed.
                tables.Add((r.GetString(0), r.GetString(1), estimate < 0 ? null : (long)Math.Round(estimate), r.GetInt64(3)));
            }
        }
        // Counted in the order of `tables` (by position, not by "schema.table", which "a.b"."c" and "a"."b.c" share).
        var exact = options.Exact ? PostgresServer.CountRows(conn, tx, tables.Select(t => (t.Schema, t.Name)), context.Cancellation, only: false) : null;
        for (var i = 0; i < tables.Count; i++)
        {
            var t = tables[i];
            var name = new TableRowCount { Name = t.Schema + "." + t.Name, Schema = t.Schema, Table = t.Name }.DisplayName;
            report.Tables.Add(exact is null
                ? new TableHealth { Name = name, Rows = t.Estimate, Exact = false, SizeBytes = t.Size }
                : new TableHealth { Name = name, Rows = exact[i].Rows, Exact = true, SizeBytes = t.Size });
        }
        tx.Commit();
    }
}
