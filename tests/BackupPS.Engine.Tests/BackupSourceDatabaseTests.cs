using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Backups of databases in WAL and rollback-journal mode, while other connections use them, and of richer schemas.</summary>
public sealed class BackupSourceDatabaseTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Extracts the database of a backup with GNU tar and returns its path.</summary>
    private string ExtractDatabase(Model.BackupRecord record)
    {
        var into = Backups.ExtractWithTar(record.Path, _temp["x-" + record.Id.ToString("N")[..8]]);
        return Path.Combine(into, record.Manifest.DatabaseEntry!.Path.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>The numbers 1..n as a table with a "value" column (the bundled SQLite has no generate_series).</summary>
    private static string Series(int n) => $"(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < {n}) SELECT value FROM s)";

    [Fact]
    public void Wal_database_with_committed_rows_still_only_in_the_wal_file()
    {
        var db = Db.Create(_temp["wal.db"], customers: 10, journalMode: "wal");
        using var writer = Db.Open(db);
        Db.Exec(writer, "PRAGMA wal_autocheckpoint = 0");
        Db.Exec(writer, $"INSERT INTO customers (id, name) SELECT value + 100, 'late ' || value FROM {Series(25)}");
        Assert.True(new FileInfo(db + "-wal").Length > 0, "the new rows should be in the -wal file only");

        var record = Backups.Make(db, _temp["backups"]);

        Assert.Equal("wal", record.Manifest.Sqlite!.JournalMode);
        Assert.Equal(35, record.Manifest.Tables.Single(t => t.Name == "customers").Rows);
        var copy = ExtractDatabase(record);
        Assert.Equal(35, Db.Count(copy, "customers"));
        Assert.Equal("ok", Tool.Ok("sqlite3", null, copy, "PRAGMA integrity_check").Trim());
        Assert.Equal(2, _temp.Listing(_temp["backups"]).Count);
    }

    [Fact]
    public void Wal_database_with_an_open_write_transaction_is_backed_up_without_waiting_and_without_its_uncommitted_rows()
    {
        var db = Db.Create(_temp["busy.db"], customers: 10, journalMode: "wal");
        using var writer = Db.Open(db);
        Db.Exec(writer, "BEGIN IMMEDIATE; INSERT INTO customers (id, name) VALUES (1000, 'uncommitted');");

        var record = Backups.Make(db, _temp["backups"]);

        Assert.Equal(10, record.Manifest.Tables.Single(t => t.Name == "customers").Rows);
        Assert.Equal(10, Db.Count(ExtractDatabase(record), "customers"));
        Db.Exec(writer, "COMMIT");
        Assert.Equal(11, Db.Count(db, "customers"));
    }

    [Fact]
    public void Rollback_journal_database_with_a_reader_and_a_pending_writer()
    {
        var db = Db.Create(_temp["journal.db"], customers: 12, journalMode: "delete");
        using var reader = Db.Open(db);
        Db.Exec(reader, "BEGIN; SELECT count(*) FROM customers;"); // SHARED lock held
        using var writer = Db.Open(db);
        Db.Exec(writer, "BEGIN IMMEDIATE; INSERT INTO customers (id, name) VALUES (1000, 'uncommitted');"); // RESERVED lock held

        var record = Backups.Make(db, _temp["backups"]);

        Assert.Equal("delete", record.Manifest.Sqlite!.JournalMode);
        Assert.Equal(12, record.Manifest.Tables.Single(t => t.Name == "customers").Rows);
        var copy = ExtractDatabase(record);
        Assert.Equal(12, Db.Count(copy, "customers"));
        Assert.Equal(Db.Dump(db), Db.Dump(copy)); // the dump reads committed data only
        Db.Exec(reader, "COMMIT");
        Db.Exec(writer, "COMMIT");
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("truncate")]
    [InlineData("persist")]
    [InlineData("wal")]
    public void Every_journal_mode_round_trips_through_verify(string mode)
    {
        var db = Db.Create(_temp[$"{mode}.db"], customers: 40, journalMode: mode);
        var record = Backups.Make(db, _temp["backups"]);
        // Only WAL is a property of the file; the rollback modes are per connection, so the copy reports the default.
        Assert.Equal(mode == "wal" ? "wal" : "delete", record.Manifest.Sqlite!.JournalMode);
        var result = Operations.VerifyOperation.Run(new Operations.VerifyRequest { Record = record }, OperationContext.None);
        Assert.True(result.Passed, result.FailureReason);
        Assert.Equal(Db.Dump(db), Db.Dump(ExtractDatabase(record)));
    }

    [Fact]
    public void Views_indexes_triggers_and_fts5_virtual_tables()
    {
        var db = _temp["rich.db"];
        using (var c = Db.Open(db))
        {
            Db.Exec(c, $"""
                CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, price REAL);
                CREATE INDEX items_by_name ON items(name);
                CREATE TABLE log (id INTEGER PRIMARY KEY, item INTEGER, at TEXT);
                CREATE TRIGGER items_log AFTER INSERT ON items BEGIN INSERT INTO log (item, at) VALUES (new.id, 'now'); END;
                CREATE VIEW expensive AS SELECT * FROM items WHERE price > 50;
                create virtual table docs using fts5(title, body);
                CREATE TABLE "odd ""name"" [x]" (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
                INSERT INTO items (name, price) SELECT 'item ' || value, value * 1.5 FROM {Series(60)};
                INSERT INTO docs (title, body) SELECT 'doc ' || value, 'alpha beta gamma ' || value FROM {Series(9)};
                INSERT INTO "odd ""name"" [x]" VALUES ('a', x'00'), ('b', x'01'), ('c', NULL);
                """);
        }

        var record = Backups.Make(db, _temp["backups"]);

        var tables = record.Manifest.Tables.ToDictionary(t => t.Name, t => t.Rows);
        Assert.DoesNotContain("docs", tables.Keys);          // virtual: skipped
        Assert.DoesNotContain("expensive", tables.Keys);     // view
        Assert.DoesNotContain("sqlite_sequence", tables.Keys);
        Assert.Equal(60, tables["items"]);
        Assert.Equal(60, tables["log"]);                     // filled by the trigger
        Assert.Equal(3, tables["odd \"name\" [x]"]);
        Assert.Equal(9, tables["docs_content"]);             // FTS5 shadow tables are ordinary tables
        Assert.Equal(9, tables["docs_docsize"]);
        Assert.Contains("docs_data", tables.Keys);
        Assert.Contains("docs_idx", tables.Keys);
        Assert.Contains("docs_config", tables.Keys);
        Assert.Equal(8, tables.Count);

        var result = Operations.VerifyOperation.Run(new Operations.VerifyRequest { Record = record }, OperationContext.None);
        Assert.True(result.Passed, result.FailureReason);

        var copy = ExtractDatabase(record);
        Assert.Equal(Db.Dump(db), Db.Dump(copy));
        Assert.Equal("3", Tool.Ok("sqlite3", null, copy, "SELECT count(*) FROM docs WHERE docs MATCH 'gamma' AND rowid <= 3").Trim());
        Assert.Equal("27", Tool.Ok("sqlite3", null, copy, "SELECT count(*) FROM expensive").Trim());
        Assert.Equal("items_by_name", Tool.Ok("sqlite3", null, copy, "SELECT name FROM sqlite_schema WHERE type='index' AND tbl_name='items'").Trim());
    }
}
