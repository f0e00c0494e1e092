using Npgsql;
using BackupPS.Engine.Sources;

namespace BackupPS.Engine.Operations;

/// <summary>
/// Stops commits on a restore target from before its PreRestore safety backup until the swap, so that no commit a
/// client saw acknowledged is in neither the safety backup nor the restored database.
/// <para>
/// Why locks and not ALTER DATABASE … ALLOW_CONNECTIONS false first: the safety backup's pg_dump must still connect
/// (allow_connections=false refuses everyone, superusers too; CONNECTION LIMIT 0 spares only superusers, and the writer
/// may be the very role that restores). So one held connection takes EXCLUSIVE locks on every table of the target —
/// reads and pg_dump's ACCESS SHARE still work, every INSERT/UPDATE/DELETE waits — and only then does the safety backup
/// take its snapshot. At the swap, new connections are refused (allow_connections=false), the other sessions are
/// terminated while the locks still hold (their waiting writes were never acknowledged), and only then is the held
/// connection closed. If the restore process dies, its connection and locks go with it: the target stays as it was.
/// </para>
/// </summary>
internal sealed class PostgresWriteFreeze : IDisposable
{
    private readonly PostgresConnectionInfo target;
    private NpgsqlConnection? held;
    private bool connectionsBlocked;

    /// <summary>The target's datallowconn and datconnlimit before the restore; the restored database gets them too.</summary>
    public bool AllowConnections { get; }
    public int ConnectionLimit { get; }

    private PostgresWriteFreeze(PostgresConnectionInfo target, NpgsqlConnection held, bool allowConnections, int connectionLimit)
    {
        this.target = target;
        this.held = held;
        AllowConnections = allowConnections;
        ConnectionLimit = connectionLimit;
    }

    /// <summary>Locks every table of the target against writes; waits for open write transactions (terminating them with -Force).</summary>
    public static PostgresWriteFreeze Hold(PostgresConnectionInfo target, bool force, OperationContext context)
    {
        var conn = PostgresServer.Open(target, target.Database, context.Cancellation);
        try
        {
            bool allow; int limit;
            using (var cmd = new NpgsqlCommand("SELECT datallowconn, datconnlimit FROM pg_database WHERE datname = current_database()", conn))
            using (var r = cmd.ExecuteReader()) { r.Read(); allow = r.GetBoolean(0); limit = r.GetInt32(1); }
            var freeze = new PostgresWriteFreeze(target, conn, allow, limit);
            var tables = new List<string>();
            using (var cmd = new NpgsqlCommand("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
                "WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'", conn))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) tables.Add(r.GetString(0));
            if (tables.Count == 0) return freeze;
            for (var attempt = 1; ; attempt++)
            {
                // not disposed on success: disposing an open NpgsqlTransaction rolls it back and frees the locks
                var tx = conn.BeginTransaction();
                try
                {
                    PostgresServer.Execute(conn, "SET LOCAL lock_timeout = '5s'", tx);
                    PostgresServer.Execute(conn, $"LOCK TABLE {string.Join(", ", tables)} IN EXCLUSIVE MODE", tx);
                    PostgresServer.Execute(conn, "SET LOCAL lock_timeout = 0", tx);
                    context.Verbose($"Writes to {target.Display()} are held ({tables.Count} tables locked) until the restored database is swapped in.");
                    return freeze; // the transaction stays open: the locks last until the connection closes
                }
                catch (PostgresException ex) when (ex.SqlState is "55P03" or "40P01" && attempt < 6)
                {
                    tx.Dispose();
                    // a lock timeout is an open write transaction (perhaps idle); -Force ends it, as it would at the swap
                    if (ex.SqlState == "55P03")
                    {
                        if (!force)
                            throw new BackupException("TargetInUse", BackupErrorKind.ResourceBusy,
                                $"{target.Display()} has a transaction that keeps writing; a restore replaces the database, which would cut it off. Stop the application first, or use -Force to terminate the sessions.", target.Display());
                        context.Warning($"Terminating the sessions on {target.Display()} that hold write locks (-Force).");
                        using var m = PostgresServer.OpenMaintenance(target, context.Cancellation);
                        TerminateOthers(m, target.Database, conn.ProcessID);
                    }
                }
                catch (PostgresException ex) when (ex.SqlState == "42501")
                {
                    tx.Dispose();
                    context.Warning($"Writes to {target.Display()} cannot be held during the safety backup ({ex.MessageText}): commits made while it runs may be in neither the safety backup nor the restored database. Stop the writers first, or restore as the tables' owner.");
                    return freeze;
                }
            }
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>Just before the swap: refuse new connections, end every other session while writes are still held, then let go.</summary>
    public void CutOff(NpgsqlConnection maintenance, bool force, OperationContext context)
    {
        var heldPid = held?.ProcessID ?? 0;
        try
        {
            PostgresServer.Execute(maintenance, $"ALTER DATABASE {PostgresServer.Quote(target.Database)} WITH ALLOW_CONNECTIONS false");
            connectionsBlocked = true;
        }
        catch (PostgresException ex) when (ex.SqlState == "42501")
        {
            context.Verbose($"New connections to {target.Display()} could not be refused during the swap: {ex.MessageText}");
        }
        for (var round = 0; ; round++)
        {
            using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2", maintenance);
            cmd.Parameters.AddWithValue(target.Database);
            cmd.Parameters.AddWithValue(heldPid);
            var others = (long)cmd.ExecuteScalar()!;
            if (others == 0 || round >= 50) break;
            if (!force)
                throw new BackupException("TargetInUse", BackupErrorKind.ResourceBusy,
                    $"{target.Display()} has {others} open session(s); a restore replaces the database, which would cut them off. Stop the application first, or use -Force to terminate the sessions.", target.Display());
            if (round == 0) context.Warning($"Terminating {others} session(s) on {target.Display()} (-Force).");
            TerminateOthers(maintenance, target.Database, heldPid);
            Thread.Sleep(20 * Math.Min(round + 1, 10));
        }
        held?.Dispose();
        held = null;
    }

    private static void TerminateOthers(NpgsqlConnection maintenance, string database, int heldPid)
    {
        using var cmd = new NpgsqlCommand("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2", maintenance);
        cmd.Parameters.AddWithValue(database);
        cmd.Parameters.AddWithValue(heldPid);
        cmd.ExecuteNonQuery();
    }

    /// <summary>The original settings, as SQL options for ALTER DATABASE.</summary>
    public string SettingsSql => $"ALLOW_CONNECTIONS {(AllowConnections ? "true" : "false")} CONNECTION LIMIT {ConnectionLimit}";

    /// <summary>On failure: the target accepts connections as before and writes go on.</summary>
    public void Release(Action<string> warn)
    {
        held?.Dispose();
        held = null;
        if (!connectionsBlocked) return;
        try
        {
            using var m = PostgresServer.OpenMaintenance(target);
            PostgresServer.Execute(m, $"ALTER DATABASE {PostgresServer.Quote(target.Database)} WITH {SettingsSql}");
            connectionsBlocked = false;
        }
        catch (Exception ex) when (ex is PostgresException or NpgsqlException)
        {
            warn($"{target.Display()} may still refuse connections: {ex.Message}. Run ALTER DATABASE {PostgresServer.Quote(target.Database)} WITH {SettingsSql}.");
        }
    }

    public void Dispose()
    {
        held?.Dispose();
        held = null;
    }
}
