using System.Net.Sockets;
using Npgsql;
using BackupPS.Engine.Format;

namespace BackupPS.Engine.Sources;

/// <summary>What BackupPS asks a PostgreSQL server through Npgsql: connecting (with specific errors), facts, row counts, database management.</summary>
public static class PostgresServer
{
    /// <summary>Opens a connection to <paramref name="database"/> (default: the connection's own); failures become specific BackupExceptions.</summary>
    public static NpgsqlConnection Open(PostgresConnectionInfo connection, string? database = null, CancellationToken cancel = default)
    {
        var db = database ?? connection.Database;
        var conn = new NpgsqlConnection(connection.ToNpgsql(db));
        try
        {
            conn.OpenAsync(cancel).GetAwaiter().GetResult();
            return conn;
        }
        catch (Exception ex)
        {
            conn.Dispose();
            throw MapError(ex, connection.Display(db)) ?? throw new BackupException("PostgresUnreachable", BackupErrorKind.ResourceUnavailable, $"Cannot connect to {connection.Display(db)}: {ex.Message}", connection.Display(db), ex);
        }
    }

    /// <summary>Opens the server's maintenance database (postgres, else template1) to manage databases.</summary>
    public static NpgsqlConnection OpenMaintenance(PostgresConnectionInfo connection, CancellationToken cancel = default)
    {
        try { return Open(connection, "postgres", cancel); }
        catch (BackupException ex) when (ex.ErrorId == "DatabaseNotFound") { return Open(connection, "template1", cancel); }
    }

    public static BackupException? MapError(Exception ex, string where)
    {
        if (ex is BackupException b) return b;
        if (ex is OperationCanceledException) return null;
        if (ex is PostgresException pg)
        {
            return pg.SqlState switch
            {
                "28P01" or "28000" => new BackupException("PostgresAuthenticationFailed", BackupErrorKind.PermissionDenied,
                    $"Could not log in to {where}: {pg.MessageText}. Check the user and password (-Credential, the URL, or PGPASSFILE/.pgpass).", where, ex),
                "3D000" => new BackupException("DatabaseNotFound", BackupErrorKind.NotFound, $"The database {where} does not exist: {pg.MessageText}.", where, ex),
                "42501" when pg.MessageText.Contains("row-level security", StringComparison.OrdinalIgnoreCase) => PostgresErrorCatalog.Map("PostgreSQL", pg.MessageText, where),
                "42501" => new BackupException("PostgresPermissionDenied", BackupErrorKind.PermissionDenied,
                    $"Permission denied on {where}: {pg.MessageText}. Use a role with the needed privilege (the database owner, pg_read_all_data to back up, CREATEDB to restore).", where, ex),
                "53100" => new BackupException("DiskFull", BackupErrorKind.ResourceUnavailable, $"The server of {where} is out of disk space: {pg.MessageText}.", where, ex),
                "55P03" => new BackupException("DatabaseLocked", BackupErrorKind.ResourceBusy,
                    $"A table of {where} stayed locked by another session for longer than the lock timeout: {pg.MessageText}. Retry when that session is done, or raise -LockTimeoutSec.", where, ex),
                "55006" => new BackupException("TargetInUse", BackupErrorKind.ResourceBusy, $"{where} is in use: {pg.MessageText}.", where, ex),
                _ when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) =>
                    new BackupException("PostgresUnreachable", BackupErrorKind.ResourceUnavailable, $"Lost or refused connection to {where}: {pg.MessageText}.", where, ex),
                _ => new BackupException("PostgresError", BackupErrorKind.InvalidData, $"{where}: {pg.SqlState} {pg.MessageText}", where, ex),
            };
        }
        if (ex is NpgsqlException n)
        {
            if (n.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
                return new BackupException("PostgresAuthenticationFailed", BackupErrorKind.PermissionDenied,
                    $"Could not log in to {where}: {n.Message} Give -Credential, a password in the URL, or a PGPASSFILE/.pgpass entry.", where, ex);
            if (n.InnerException is SocketException or TimeoutException || n.InnerException is IOException || n.Message.Contains("connect", StringComparison.OrdinalIgnoreCase))
                return new BackupException("PostgresUnreachable", BackupErrorKind.ResourceUnavailable, $"Cannot reach the PostgreSQL server of {where}: {n.InnerException?.Message ?? n.Message}", where, ex);
        }
        if (ex is SocketException or TimeoutException)
            return new BackupException("PostgresUnreachable", BackupErrorKind.ResourceUnavailable, $"Cannot reach the PostgreSQL server of {where}: {ex.Message}", where, ex);
        return null;
    }

    /// <summary>Facts of the current database, in the current transaction.</summary>
    internal static PostgresInfo Inspect(NpgsqlConnection conn, NpgsqlTransaction? tx)
    {
        var info = new PostgresInfo();
        using (var cmd = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int, pg_database_size(current_database()), " +
            "pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, pg_get_userbyid(d.datdba) FROM pg_database d WHERE d.datname = current_database()", conn, tx))
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            info.ServerVersion = r.GetString(0);
            info.ServerVersionNum = r.GetInt32(1);
            info.DatabaseSizeBytes = r.GetInt64(2);
            info.Encoding = r.GetString(3);
            info.Collation = r.GetString(4);
            info.Ctype = r.GetString(5);
            info.Owner = r.GetString(6);
        }
        using (var cmd = new NpgsqlCommand("SELECT extname, extversion FROM pg_extension ORDER BY extname", conn, tx))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) info.Extensions.Add(new PostgresExtension { Name = r.GetString(0), Version = r.GetString(1) });
        return info;
    }

    /// <summary>The ordinary tables (and populated materialized views: an unpopulated one has no data to count) of the database, schema-qualified, outside the system schemas, with their OIDs.</summary>
    internal static List<(string Schema, string Name, uint Oid)> Tables(NpgsqlConnection conn, NpgsqlTransaction? tx)
    {
        var list = new List<(string, string, uint)>();
        using var cmd = new NpgsqlCommand(
            "SELECT n.nspname, c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE c.relkind IN ('r','m') AND (c.relkind <> 'm' OR c.relispopulated) AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' " +
            "AND c.relpersistence <> 't' ORDER BY 1, 2", conn, tx);
        using var r = cmd.ExecuteReader();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1), r.GetFieldValue<uint>(2)));
        return list;
    }

    /// <summary>Exact count(*) of each table as pg_dump reads it: FROM ONLY (an inheritance parent's own rows, not its children's); <paramref name="only"/> false counts a tree's total (health).</summary>
    internal static List<TableRowCount> CountRows(NpgsqlConnection conn, NpgsqlTransaction? tx, IEnumerable<(string Schema, string Name)> tables, CancellationToken cancel, bool only = true)
    {
        var counts = new List<TableRowCount>();
        foreach (var (schema, name) in tables)
        {
            cancel.ThrowIfCancellationRequested();
            using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {(only ? "ONLY " : "")}{Quote(schema)}.{Quote(name)}", conn, tx);
            counts.Add(new TableRowCount { Name = schema + "." + name, Schema = schema, Table = name, Rows = (long)cmd.ExecuteScalar()! });
        }
        return counts;
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    internal static bool DatabaseExists(NpgsqlConnection maintenance, string name)
    {
        using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", maintenance);
        cmd.Parameters.AddWithValue(name);
        return cmd.ExecuteScalar() is not null;
    }

    /// <summary>Sessions connected to <paramref name="database"/> other than this one.</summary>
    internal static int SessionCount(NpgsqlConnection maintenance, string database)
    {
        using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", maintenance);
        cmd.Parameters.AddWithValue(database);
        return (int)(long)cmd.ExecuteScalar()!;
    }

    internal static void TerminateSessions(NpgsqlConnection maintenance, string database)
    {
        using var cmd = new NpgsqlCommand("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", maintenance);
        cmd.Parameters.AddWithValue(database);
        cmd.ExecuteNonQuery();
    }

    internal static void Execute(NpgsqlConnection conn, string sql, NpgsqlTransaction? tx = null)
    {
        using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Drops a database BackupPS created (scratch or throwaway); never throws.</summary>
    internal static void DropQuietly(PostgresConnectionInfo connection, string database, Action<string>? warn = null)
    {
        try
        {
            using var m = OpenMaintenance(connection);
            Execute(m, $"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)");
        }
        catch (Exception ex) when (ex is BackupException or NpgsqlException)
        {
            warn?.Invoke($"The temporary database '{database}' could not be dropped ({ex.Message}); drop it yourself.");
        }
    }
}
