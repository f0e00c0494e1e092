using System.Security.Cryptography;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Format;
using BackupPS.Engine.Health;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Get-DbHealth's engine on real SQLite files (healthy, FK violations, corrupted, WAL, rollback) and its backup matching; storage statistics.</summary>
public sealed class HealthTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Chinook(string name = "chinook.db")
    {
        var path = _temp[name];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(SharedData.Path("Chinook_Sqlite.sqlite"), path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static HealthReport Check(string path, HealthOptions? options = null) =>
        SqliteHealthCheck.Run(path, options ?? new HealthOptions { LockTimeout = TimeSpan.FromSeconds(5) }, OperationContext.None);

    private static string Sqlite3(string path, string sql) => Tool.Ok("sqlite3", null, "-readonly", path, sql).Trim();

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Healthy_chinook_matches_what_the_sqlite3_cli_says_and_is_not_modified()
    {
        var db = Chinook();
        var before = Sha256(db);
        var mtime = File.GetLastWriteTimeUtc(db);

        var report = Check(db);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Empty(report.Problems);
        Assert.Equal("SQLite", report.Engine);
        Assert.Equal("chinook", report.DatabaseName);
        Assert.Equal(db, report.Source);
        var s = report.Sqlite!;
        Assert.True(s.IntegrityOk);
        Assert.Equal("integrity_check", s.IntegrityCheck);
        Assert.Equal(long.Parse(Sqlite3(db, "PRAGMA page_count")), s.PageCount);
        Assert.Equal(int.Parse(Sqlite3(db, "PRAGMA page_size")), s.PageSize);
        Assert.Equal(long.Parse(Sqlite3(db, "PRAGMA freelist_count")), s.FreelistCount);
        Assert.Equal(Sqlite3(db, "PRAGMA journal_mode"), s.JournalMode);
        Assert.Equal(0, s.ForeignKeyViolationCount);
        Assert.Equal(new FileInfo(db).Length, report.SizeBytes);
        Assert.Equal(0, s.WalBytes);
        var names = Sqlite3(db, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").Split('\n');
        Assert.Equal(names, report.Tables.Select(t => t.Name));
        foreach (var t in report.Tables)
        {
            Assert.True(t.Exact);
            Assert.Equal(long.Parse(Sqlite3(db, $"SELECT count(*) FROM \"{t.Name}\"")), t.Rows);
        }
        Assert.Equal(before, Sha256(db));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(db));
        Assert.False(File.Exists(db + "-journal"));
        Assert.False(File.Exists(db + "-wal"));
    }

    [Fact]
    public void Quick_runs_quick_check()
    {
        var report = Check(Chinook(), new HealthOptions { Quick = true });
        Assert.Equal("quick_check", report.Sqlite!.IntegrityCheck);
        Assert.True(report.Sqlite.IntegrityOk);
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public void Foreign_key_violations_are_counted_with_a_sample_and_make_a_warning()
    {
        var db = _temp["fk.db"];
        Db.Exec(db, "PRAGMA foreign_keys = OFF; CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id));" +
                    "INSERT INTO parent VALUES (1), (2);" +
                    "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 30) INSERT INTO child SELECT v, CASE WHEN v <= 5 THEN 1 ELSE v + 100 END FROM s;");
        var expected = Tool.Ok("sqlite3", null, db, "PRAGMA foreign_key_check").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(25, expected);

        var report = Check(db);

        Assert.Equal(HealthStatus.Warning, report.Status);
        Assert.True(report.Sqlite!.IntegrityOk);
        Assert.Equal(expected, report.Sqlite.ForeignKeyViolationCount);
        Assert.Equal(SqliteHealthCheck.ForeignKeySampleSize, report.Sqlite.ForeignKeyViolations.Count);
        var first = report.Sqlite.ForeignKeyViolations[0];
        Assert.Equal("child", first.Table);
        Assert.Equal("parent", first.Parent);
        Assert.Equal(6, first.RowId);
        Assert.Contains(report.Warnings, w => w.Contains("25 foreign key violation"));
    }

    /// <summary>A table with an index; <paramref name="page"/> chooses which page (counted from the index's root) is overwritten.</summary>
    private string Corrupted(string name, Func<long, long, long> page)
    {
        var db = _temp[name];
        Db.Exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); " +
                    "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 5000) INSERT INTO t SELECT x, hex(randomblob(20)) FROM s; " +
                    "CREATE INDEX tv ON t (v);");
        var pageSize = Db.Scalar<int>(db, "PRAGMA page_size");
        var pages = Db.Scalar<long>(db, "PRAGMA page_count");
        var indexRoot = Db.Scalar<long>(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'tv'");
        using (var f = new FileStream(db, FileMode.Open, FileAccess.Write))
        {
            f.Position = pageSize * (page(indexRoot, pages) - 1);
            f.Write(Bytes.Random(pageSize, 42));
        }
        return db;
    }

    [Fact]
    public void A_database_with_an_overwritten_index_page_is_unhealthy_with_the_integrity_messages_not_an_error()
    {
        var db = Corrupted("corrupt.db", (indexRoot, pages) => (indexRoot + pages) / 2);
        var cli = Tool.Run("sqlite3", null, "-readonly", db, "PRAGMA integrity_check").StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEqual("ok", cli[0]);

        var report = Check(db);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.False(report.Sqlite!.IntegrityOk);
        Assert.NotEmpty(report.Sqlite.IntegrityMessages);
        // the CLI (its own SQLite version words it differently) names the same damaged page
        var page = System.Text.RegularExpressions.Regex.Match(string.Join("\n", cli), @"[Pp]age (\d+)").Groups[1].Value;
        Assert.NotEmpty(page);
        Assert.Contains(report.Sqlite.IntegrityMessages, m => m.Contains($"page {page}", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(report.Errors, e => e.StartsWith("PRAGMA integrity_check found damage", StringComparison.Ordinal));
        Assert.Equal(5000, report.Tables.Single(t => t.Name == "t").Rows); // the table itself is intact
    }

    [Fact]
    public void A_database_whose_table_pages_are_overwritten_is_unhealthy_and_the_other_facts_still_come()
    {
        var db = Corrupted("corrupt2.db", (indexRoot, pages) => indexRoot / 2);

        var report = Check(db, new HealthOptions { Quick = true });

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.False(report.Sqlite!.IntegrityOk);
        Assert.NotEmpty(report.Sqlite.IntegrityMessages);
        Assert.Equal(long.Parse(Sqlite3(db, "PRAGMA page_count")), report.Sqlite.PageCount);
        Assert.Single(report.Tables);
    }

    [Fact]
    public void A_missing_file_and_a_non_database_are_errors_like_New_DbBackup()
    {
        var missing = Assert.Throws<BackupException>(() => Check(_temp["nope.db"]));
        Assert.Equal("DatabaseNotFound", missing.ErrorId);
        var text = _temp.WriteFile("notes.txt", "hello, not a database at all........");
        Assert.Equal("NotASqliteDatabase", Assert.Throws<BackupException>(() => Check(text)).ErrorId);
    }

    [Fact]
    public void Wal_database_reports_its_wal_and_counts_rows_still_in_it_without_checkpointing()
    {
        var db = Db.Create(_temp["wal.db"], customers: 10, journalMode: "wal");
        using var writer = Db.Open(db);
        Db.Exec(writer, "PRAGMA wal_autocheckpoint = 0");
        Db.Exec(writer, "INSERT INTO customers (id, name) VALUES (500, 'in the wal only'), (501, 'also')");
        var walBefore = new FileInfo(db + "-wal").Length;
        var mainBefore = Sha256(db);

        var report = Check(db);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("wal", report.Sqlite!.JournalMode);
        Assert.Equal(walBefore, report.Sqlite.WalBytes);
        Assert.Equal(new FileInfo(db).Length + walBefore, report.SizeBytes);
        Assert.Equal(12, report.Tables.Single(t => t.Name == "customers").Rows);
        Assert.Equal(walBefore, new FileInfo(db + "-wal").Length);
        Assert.Equal(mainBefore, Sha256(db));
        Db.Exec(writer, "INSERT INTO customers (id, name) VALUES (502, 'writer still works')");
    }

    [Fact]
    public void Wal_database_closed_cleanly_without_wal_and_shm_files_is_readable()
    {
        var db = Db.Create(_temp["walclean.db"], customers: 7, journalMode: "wal");
        Assert.False(File.Exists(db + "-wal"));

        var report = Check(db);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("wal", report.Sqlite!.JournalMode);
        Assert.Equal(7, report.Tables.Single(t => t.Name == "customers").Rows);
    }

    [Fact]
    public void Rollback_database_with_an_open_reader_is_checked()
    {
        var db = Db.Create(_temp["journal.db"], customers: 12, journalMode: "delete");
        using var reader = Db.Open(db);
        Db.Exec(reader, "BEGIN; SELECT count(*) FROM customers;");

        var report = Check(db);

        Assert.Equal("delete", report.Sqlite!.JournalMode);
        Assert.Equal(24, report.Tables.Single(t => t.Name == "orders").Rows);
        Db.Exec(reader, "COMMIT");
    }

    [Fact]
    public void A_writer_holding_the_exclusive_lock_past_the_timeout_is_DatabaseLocked()
    {
        var db = Db.Create(_temp["locked.db"], customers: 3, journalMode: "delete");
        using var writer = Db.Open(db);
        Db.Exec(writer, "BEGIN EXCLUSIVE");
        var ex = Assert.Throws<BackupException>(() => Check(db, new HealthOptions { LockTimeout = TimeSpan.FromSeconds(1) }));
        Assert.Equal("DatabaseLocked", ex.ErrorId);
        Db.Exec(writer, "ROLLBACK");
    }

    [Fact]
    public void A_cancelled_check_is_OperationStopped()
    {
        var db = Db.Create(_temp["big.db"], customers: 20000);
        using var cancel = new CancellationTokenSource();
        cancel.CancelAfter(20);
        var ex = Assert.Throws<BackupException>(() =>
        {
            for (var i = 0; i < 1000; i++) SqliteHealthCheck.Run(db, new HealthOptions(), new OperationContext(cancel.Token));
        });
        Assert.Equal("OperationStopped", ex.ErrorId);
    }

    // --- backups of it in a destination ---

    private static HealthOptions WithDestination(string dest, TimeSpan? maxAge = null) =>
        new() { Destination = dest, LockTimeout = TimeSpan.FromSeconds(5), MaxBackupAge = maxAge ?? TimeSpan.FromHours(24) };

    [Fact]
    public void Last_backup_and_last_verified_backup_are_the_newest_of_this_database_only()
    {
        var db = Db.Create(Path.Combine(_temp.CreateDirectory("a"), "app.db"), customers: 5);
        var other = Db.Create(Path.Combine(_temp.CreateDirectory("b"), "app.db"), customers: 6); // same file name, different database
        var dest = _temp["backups"];

        var none = Check(db, WithDestination(dest));
        Assert.Null(none.LastBackup);
        Assert.Contains(none.Warnings, w => w.Contains("does not exist"));

        var first = Backups.Make(db, dest);
        Backups.Verify(first.Path, _temp.CreateDirectory("scratch"));
        Thread.Sleep(20);
        var second = Backups.Make(db, dest, name: "renamed"); // -Name: still this database (same source path)
        Thread.Sleep(20);
        Backups.Make(other, dest); // newest, but another database
        Backups.Make(null, dest, include: [_temp.WriteFile("x/readme.txt", "files only")]);

        var report = Check(db, WithDestination(dest));

        Assert.Equal(second.Id, report.LastBackup!.Id);
        Assert.Equal(first.Id, report.LastVerifiedBackup!.Id);
        Assert.True(report.LastVerifiedBackup.LastVerificationPassed);
        Assert.Equal(Path.GetFullPath(dest), report.Destination);
        Assert.Equal(HealthStatus.Healthy, report.Status);

        var old = Check(db, WithDestination(dest, maxAge: TimeSpan.Zero));
        Assert.Equal(HealthStatus.Warning, old.Status);
        Assert.Contains(old.Warnings, w => w.Contains("The last backup is"));
    }

    [Fact]
    public void No_backup_of_it_or_none_verified_are_warnings_and_a_failed_verification_is_unhealthy()
    {
        var db = Db.Create(_temp["app.db"], customers: 5);
        var dest = _temp["backups"];
        Backups.Make(Db.Create(_temp["other.db"], customers: 2), dest);
        var noBackup = Check(db, WithDestination(dest));
        Assert.Equal(HealthStatus.Warning, noBackup.Status);
        Assert.Contains(noBackup.Warnings, w => w.StartsWith("No backup of 'app'"));

        var backup = Backups.Make(db, dest);
        var unverified = Check(db, WithDestination(dest));
        Assert.Equal(HealthStatus.Warning, unverified.Status);
        Assert.Contains(unverified.Warnings, w => w.Contains("verified"));

        // damage the backup file, then verify it for real: the sidecar records the failure
        using (var f = new FileStream(backup.Path, FileMode.Open, FileAccess.Write)) { f.Position = f.Length / 2; f.Write(Bytes.Random(64, 7)); }
        Assert.False(Backups.Verify(backup.Path, _temp.CreateDirectory("scratch")).Passed);

        var failed = Check(db, WithDestination(dest));
        Assert.Equal(HealthStatus.Unhealthy, failed.Status);
        Assert.Equal(backup.Id, failed.LastVerifiedBackup!.Id);
        Assert.False(failed.LastVerifiedBackup.LastVerificationPassed);
        Assert.Contains(failed.Errors, e => e.Contains("FAILED"));
    }

    [Fact]
    public void PreRestore_safety_backups_do_not_count_as_backups_of_it()
    {
        var db = Db.Create(_temp["app.db"], customers: 5);
        var dest = _temp["backups"];
        Backups.Make(db, dest, type: BackupType.PreRestore);
        Assert.Null(Check(db, WithDestination(dest)).LastBackup);
    }

    [Fact]
    public void Encrypted_backups_hide_the_source_so_they_match_by_database_name()
    {
        var db = Db.Create(_temp["secret.db"], customers: 5);
        var dest = _temp["backups"];
        using var keys = new KeyRing("correct horse"u8.ToArray());
        var record = BackupOperation.Run(new BackupRequest { DatabasePath = db, Destination = dest, LockTimeout = TimeSpan.FromSeconds(5), Encryption = keys }, OperationContext.None);
        Assert.Null(new Destinations.LocalFolderDestination(dest).List().Single().Manifest.SourcePath);

        Assert.Equal(record.Id, Check(db, WithDestination(dest)).LastBackup!.Id);
    }

    [Fact]
    public void Postgres_backups_match_on_server_and_database_not_user()
    {
        var records = new[]
        {
            Fake("PostgreSQL", "shop", "postgres://backup@127.0.0.1:5433/shop", 1),
            Fake("PostgreSQL", "shop", "postgres://app@db.example:5433/shop", 2), // another server
            Fake("PostgreSQL", "shop", "postgres://app@localhost:5432/shop", 3),  // another port
            Fake("SQLite", "shop", "/srv/shop.db", 4),
            Fake("PostgreSQL", "shop", null, 5),                                    // encrypted: by name
            Fake("PostgreSQL", "shop2", null, 6),
        };
        var conn = Sources.PostgresConnectionInfo.Parse("postgres://app@localhost:5433/shop");
        Assert.Equal([1, 5], BackupMatching.OfPostgres(records, conn).Select(r => r.CreatedUtc.Day).Order());
    }

    private BackupRecord Fake(string engine, string name, string? source, int day) => new(_temp[$"{name}_{day}.tar.zst"], new Sidecar
    {
        Manifest = new Manifest { Engine = engine, DatabaseName = name, SourcePath = source, Type = BackupType.Database, CreatedUtc = new DateTimeOffset(2026, 1, day, 0, 0, 0, TimeSpan.Zero) },
    });

    // --- storage ---

    [Fact]
    public void Storage_statistics_per_database_match_the_files()
    {
        var dest = _temp["backups"];
        var app = Db.Create(_temp["app.db"], customers: 300);
        var shop = Db.Create(_temp["shop.db"], customers: 50);
        var a1 = Backups.Make(app, dest);
        Thread.Sleep(20);
        var a2 = Backups.Make(app, dest, compression: Compression.CompressionKind.Gzip);
        Thread.Sleep(20);
        var a3 = Backups.Make(app, dest, type: BackupType.PreRestore);
        var s1 = Backups.Make(shop, dest);
        Backups.Verify(a1.Path, _temp.CreateDirectory("scratch"));
        Thread.Sleep(20);
        Backups.Verify(a2.Path, _temp["scratch"]);

        var stats = StorageStatistics.Compute(dest, null, null);

        Assert.Equal(["app", "shop"], stats.Select(s => s.DatabaseName));
        var a = stats[0];
        var files = new[] { a1, a2, a3 }.Select(r => new FileInfo(r.Path).Length).ToArray();
        Assert.Equal(3, a.Count);
        Assert.Equal(files.Sum(), a.TotalBytes);
        Assert.Equal(files.Sum() / 3, a.AverageBytes);
        Assert.Equal(a1.Id, a.Oldest.Id);
        Assert.Equal(a3.Id, a.Newest.Id);
        Assert.Equal(a2.Id, a.LastVerified!.Id);
        Assert.Equal(2, a.VerifiedCount);
        Assert.Equal(0, a.FailedCount);
        Assert.Equal(1, a.CountByType[BackupType.PreRestore]);
        Assert.Equal(2, a.CountByType[BackupType.Database]);
        Assert.Equal(["SQLite"], a.Engines);
        Assert.Equal(new FileInfo(s1.Path).Length, stats[1].TotalBytes);
        Assert.Null(stats[1].LastVerified);

        // free space: statvfs f_bavail * f_frsize, as df reports it (within 64 MiB: other writers share the disk)
        var df = Tool.Ok("df", null, "-B1", "--output=avail", dest).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim();
        Assert.InRange(a.FreeBytes!.Value, long.Parse(df) - (64L << 20), long.Parse(df) + (64L << 20));
        Assert.True(a.CapacityBytes >= a.FreeBytes);

        Assert.Equal(["shop"], StorageStatistics.Compute(dest, ["SH*"], null).Select(s => s.DatabaseName));
        Assert.Equal("DestinationNotFound", Assert.Throws<BackupException>(() => StorageStatistics.Compute(_temp["nope"], null, null)).ErrorId);
    }
}
