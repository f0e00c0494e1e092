using Microsoft.Data.Sqlite;

namespace BackupPS.Engine.Tests.Support;

/// <summary>Real SQLite database files for tests (unpooled connections, so nothing keeps a file open afterwards).</summary>
public static class Db
{
    public static SqliteConnection Open(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWriteCreate)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static void Exec(string path, string sql)
    {
        using var connection = Open(path);
        Exec(connection, sql);
    }

    public static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static T Scalar<T>(string path, string sql)
    {
        using var connection = Open(path, SqliteOpenMode.ReadOnly);
        return Scalar<T>(connection, sql);
    }

    /// <summary>
    /// A database with two tables: "customers" (<paramref name="customers"/> rows) and "orders" (two per customer),
    /// in the given journal mode.
    /// </summary>
    public static string Create(string path, int customers = 50, string journalMode = "delete", int seed = 1)
    {
        using var connection = Open(path);
        Exec(connection, $"PRAGMA journal_mode = {journalMode}");
        Exec(connection, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, blob BLOB)");
        Exec(connection, "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer INTEGER, amount REAL)");
        using var tx = connection.BeginTransaction();
        var rng = new Random(seed);
        for (var i = 1; i <= customers; i++)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO customers (id, name, blob) VALUES ($id, $name, $blob); INSERT INTO orders (customer, amount) VALUES ($id, $a1), ($id, $a2);";
            insert.Parameters.AddWithValue("$id", i);
            insert.Parameters.AddWithValue("$name", $"customer {i} ü");
            insert.Parameters.AddWithValue("$blob", Bytes.Random(64, seed * 1000 + i));
            insert.Parameters.AddWithValue("$a1", rng.NextDouble() * 100);
            insert.Parameters.AddWithValue("$a2", rng.NextDouble() * 100);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
        return path;
    }

    /// <summary>The whole logical content of a database as text (sqlite3 .dump through the CLI), to compare two databases.</summary>
    public static string Dump(string path) => Tool.Ok("sqlite3", null, "-readonly", path, ".dump");

    public static long Count(string path, string table) => Scalar<long>(path, $"SELECT count(*) FROM \"{table}\"");
}
