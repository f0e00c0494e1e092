using BackupPS.Engine.Compression;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

public sealed class RestoreOperationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Backups_ => _temp["backups"];

    /// <summary>No scratch or partial files anywhere below the temp folder.</summary>
    private void AssertNoLeftovers() =>
        Assert.DoesNotContain(_temp.Listing(), p => p.Contains(".backupps-") || p.EndsWith(".partial"));

    private static void ChangeDatabase(string db)
    {
        Db.Exec(db, "DELETE FROM customers WHERE id > 10; DROP TABLE orders; CREATE TABLE added_later (x); INSERT INTO added_later VALUES (1);");
    }

    [Theory]
    [InlineData(CompressionKind.Zstd)]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.None)]
    public void Restore_into_the_existing_database_replaces_its_content_and_keeps_a_PreRestore_safety_backup(CompressionKind compression)
    {
        var db = Db.Create(_temp["app.db"], customers: 80);
        var original = Db.Dump(db);
        var record = Backups.Make(db, Backups_, compression: compression);
        ChangeDatabase(db);
        var changed = Db.Dump(db);
        Assert.NotEqual(original, changed);

        var result = Backups.Restore(new RestoreRequest { Record = record });

        Assert.Equal(original, Db.Dump(db));
        Assert.Equal(db, result.Plan.DatabaseTarget);
        Assert.Equal("ok", result.IntegrityCheck);
        Assert.True(result.Verification!.Passed);
        Assert.Equal(record.DatabaseSizeBytes, result.BytesRestored);

        var safety = Assert.IsType<BackupRecord>(result.SafetyBackup);
        Assert.Equal(BackupType.PreRestore, safety.Type);
        Assert.Equal(Backups_, Path.GetDirectoryName(safety.Path));
        Assert.Contains("PreRestore", safety.Tags);
        Assert.Contains(record.Id.ToString(), safety.Description);
        Assert.True(Backups.Verify(safety.Path).Passed);
        var saved = Backups.ExtractWithTar(safety.Path, _temp["safety"]);
        Assert.Equal(changed, Db.Dump(Path.Combine(saved, "database", "app.db")));
        AssertNoLeftovers();
    }

    [Fact]
    public void Restore_to_a_new_path_creates_the_database_and_its_folder()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, Backups_);
        var target = _temp["elsewhere", "deeper", "copy.db"];

        var result = Backups.Restore(new RestoreRequest { Record = record, Target = target });

        Assert.Equal(Db.Dump(db), Db.Dump(target));
        Assert.Null(result.SafetyBackup);
        Assert.Equal("ok", result.IntegrityCheck);
        Assert.Equal(2, _temp.Listing(Backups_).Count); // no safety backup: there was nothing to save
        AssertNoLeftovers();
    }

    [Fact]
    public void Restore_into_an_empty_file_needs_no_Force()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, Backups_);
        var target = _temp.WriteFile("empty.db", []);
        Backups.Restore(new RestoreRequest { Record = record, Target = target });
        Assert.Equal(Db.Dump(db), Db.Dump(target));
    }

    [Fact]
    public void Files_are_restored_under_FilesTarget_with_content_modes_and_times()
    {
        var db = Db.Create(_temp["app.db"]);
        var conf = _temp.CreateDirectory("conf");
        var files = new (string Rel, byte[] Content, int Mode, DateTime Mtime)[]
        {
            ("app.ini", "x=1\n"u8.ToArray(), 0x1A0, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
            ("empty", [], 0x180, new DateTime(2021, 6, 7, 8, 9, 10, DateTimeKind.Utc)),
            ("bin/run.sh", "#!/bin/sh\necho hi\n"u8.ToArray(), 0x1ED, new DateTime(2019, 12, 31, 23, 59, 58, 123, DateTimeKind.Utc)),
            ("données/ü 文件.bin", Bytes.Random(90_000, 81), 0x1A4, new DateTime(2018, 3, 4, 5, 6, 7, DateTimeKind.Utc)),
        };
        foreach (var f in files)
        {
            var path = _temp.WriteFile(Path.Combine("conf", f.Rel), f.Content);
            File.SetUnixFileMode(path, (UnixFileMode)f.Mode);
            File.SetLastWriteTimeUtc(path, f.Mtime);
        }
        File.SetUnixFileMode(Path.Combine(conf, "bin"), (UnixFileMode)0x1E8); // 0750
        var binTime = new DateTime(2017, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        Directory.SetLastWriteTimeUtc(Path.Combine(conf, "bin"), binTime);
        var single = _temp.WriteFile("notes.txt", "single");
        var record = Backups.Make(db, Backups_, include: [conf, single]);

        var into = _temp["restored-files"];
        var result = Backups.Restore(new RestoreRequest { Record = record, Target = _temp["restored.db"], FilesTarget = into });

        Assert.Equal(files.Length + 1, result.FilesRestored);
        foreach (var f in files)
        {
            var path = Path.Combine(into, "conf", f.Rel);
            Assert.Equal(f.Content, File.ReadAllBytes(path));
            Assert.Equal((UnixFileMode)f.Mode, File.GetUnixFileMode(path));
            Assert.Equal(f.Mtime, File.GetLastWriteTimeUtc(path));
        }
        Assert.Equal((UnixFileMode)0x1E8, File.GetUnixFileMode(Path.Combine(into, "conf", "bin")));
        Assert.Equal(binTime, Directory.GetLastWriteTimeUtc(Path.Combine(into, "conf", "bin")));
        Assert.Equal("single", File.ReadAllText(Path.Combine(into, "notes.txt")));
        Assert.Equal(Db.Dump(db), Db.Dump(_temp["restored.db"]));
        Assert.Equal([Path.Combine(into, "conf"), Path.Combine(into, "notes.txt")], result.Plan.FileTargets.Select(f => f.Target));
        AssertNoLeftovers();
    }

    [Fact]
    public void Files_go_back_to_their_original_places_and_what_they_replaced_is_in_the_safety_backup()
    {
        var dir = _temp.CreateDirectory("docs");
        _temp.WriteFile("docs/a.txt", "original a");
        _temp.WriteFile("docs/sub/b.txt", "original b");
        var record = Backups.Make(null, Backups_, include: [dir], type: BackupType.Files);
        _temp.WriteFile("docs/a.txt", "changed a");
        File.Delete(_temp["docs", "sub", "b.txt"]);

        var result = Backups.Restore(new RestoreRequest { Record = record });

        Assert.Equal("original a", File.ReadAllText(_temp["docs", "a.txt"]));
        Assert.Equal("original b", File.ReadAllText(_temp["docs", "sub", "b.txt"]));
        Assert.Equal(2, result.FilesRestored);
        var safety = Assert.IsType<BackupRecord>(result.SafetyBackup);
        Assert.Equal(BackupType.PreRestore, safety.Type);
        var saved = Backups.ExtractWithTar(safety.Path, _temp["safety"]);
        Assert.Equal("changed a", File.ReadAllText(Path.Combine(saved, "files", "docs", "a.txt")));
        AssertNoLeftovers();
    }

    [Fact]
    public void A_corrupt_backup_is_refused_and_the_target_stays_byte_identical()
    {
        var db = Db.Create(_temp["app.db"], customers: 200);
        var record = Backups.Make(db, Backups_);
        ChangeDatabase(db);
        var before = File.ReadAllBytes(db);
        var backupsBefore = _temp.Listing(Backups_);
        Bytes.FlipByte(record.Path, new FileInfo(record.Path).Length / 2);

        var ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Record = record }));

        Assert.Equal("BackupVerificationFailed", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidData, ex.Kind);
        Assert.Equal(before, File.ReadAllBytes(db));
        Assert.Equal(backupsBefore, _temp.Listing(Backups_)); // no safety backup was needed
        AssertNoLeftovers();
    }

    [Fact]
    public void A_target_that_is_not_sqlite_is_refused_without_Force()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, Backups_);
        var target = _temp.WriteFile("precious.txt", "not a database, and precious");

        var ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Record = record, Target = target }));

        Assert.Equal("TargetNotSqlite", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("not a database, and precious", File.ReadAllText(target));
    }

    [Fact]
    public void A_target_that_is_not_sqlite_is_overwritten_with_Force()
    {
        var db = Db.Create(_temp["app.db"]);
        var record = Backups.Make(db, Backups_);
        var target = _temp.WriteFile("precious.txt", "not a database");

        var result = Backups.Restore(new RestoreRequest { Record = record, Target = target, Force = true });

        Assert.Equal(Db.Dump(db), Db.Dump(target));
        Assert.Equal("ok", result.IntegrityCheck);
        AssertNoLeftovers();
    }

    [Fact]
    public void A_folder_as_target_is_TargetIsFolder()
    {
        var record = Backups.Make(Db.Create(_temp["app.db"]), Backups_);
        var ex = Assert.Throws<BackupException>(() => RestoreOperation.Plan(new RestoreRequest { Record = record, Target = _temp.CreateDirectory("folder") }));
        Assert.Equal("TargetIsFolder", ex.ErrorId);
    }

    [Fact]
    public void A_target_for_a_backup_without_database_is_NoDatabaseInBackup()
    {
        _temp.WriteFile("docs/a.txt", "a");
        var record = Backups.Make(null, Backups_, include: [_temp["docs"]], type: BackupType.Files);
        var ex = Assert.Throws<BackupException>(() => RestoreOperation.Plan(new RestoreRequest { Record = record, Target = _temp["x.db"] }));
        Assert.Equal("NoDatabaseInBackup", ex.ErrorId);
    }

    [Fact]
    public void Restore_while_another_connection_has_the_wal_database_open_and_that_connection_sees_the_new_data()
    {
        var db = Db.Create(_temp["live.db"], customers: 30, journalMode: "wal");
        var record = Backups.Make(db, Backups_);
        using var app = Db.Open(db);
        Db.Exec(app, "DELETE FROM customers WHERE id > 5; INSERT INTO customers (id, name) VALUES (999, 'after backup');");
        Assert.Equal(6, Db.Scalar<long>(app, "SELECT count(*) FROM customers"));

        var result = Backups.Restore(new RestoreRequest { Record = record });

        Assert.Equal("ok", result.IntegrityCheck);
        Assert.Equal(30, Db.Scalar<long>(app, "SELECT count(*) FROM customers"));
        Assert.Equal(0, Db.Scalar<long>(app, "SELECT count(*) FROM customers WHERE id = 999"));
        Assert.Equal("wal", Db.Scalar<string>(app, "PRAGMA journal_mode"));
        Db.Exec(app, "INSERT INTO customers (id, name) VALUES (1000, 'the application goes on writing')");
        Assert.Equal(31, Db.Scalar<long>(app, "SELECT count(*) FROM customers"));
        Assert.Equal(60, Db.Scalar<long>(app, "SELECT count(*) FROM orders"));
    }

    [Fact]
    public void Restore_while_another_connection_has_the_rollback_journal_database_open()
    {
        var db = Db.Create(_temp["live.db"], customers: 30, journalMode: "delete");
        var record = Backups.Make(db, Backups_);
        using var app = Db.Open(db);
        Db.Exec(app, "DELETE FROM customers");
        Assert.Equal(0, Db.Scalar<long>(app, "SELECT count(*) FROM customers"));

        Backups.Restore(new RestoreRequest { Record = record });

        Assert.Equal(30, Db.Scalar<long>(app, "SELECT count(*) FROM customers"));
    }

    [Fact]
    public void A_wal_target_with_another_page_size_is_TargetPageSizeMismatch_and_stays_as_it_was()
    {
        var db = Db.Create(_temp["app.db"], journalMode: "delete");
        var record = Backups.Make(db, Backups_);
        var target = _temp["big-pages.db"];
        using (var c = Db.Open(target))
        {
            Db.Exec(c, "PRAGMA page_size = 16384; CREATE TABLE keep (x); INSERT INTO keep VALUES ('mine'); PRAGMA journal_mode = wal;");
        }
        var before = Db.Dump(target);

        var ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Record = record, Target = target }));

        Assert.Equal("TargetPageSizeMismatch", ex.ErrorId);
        Assert.Equal(before, Db.Dump(target));
    }

    [Fact]
    public void A_backup_whose_database_fails_integrity_check_is_refused_before_the_target_is_touched()
    {
        // An index that disagrees with its table: quick_check passes, integrity_check does not. Restore runs the full
        // check on the extracted image, before the swap.
        var bad = _temp["bad.db"];
        using (var c = Db.Open(bad))
        {
            Db.Exec(c, "CREATE TABLE t (a INTEGER, b TEXT); CREATE INDEX t_a ON t(a);");
            Db.Exec(c, "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 300) INSERT INTO t SELECT v, 'row ' || v FROM s");
            Db.Exec(c, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE INDEX t_a ON t(b)' WHERE name = 't_a'; PRAGMA writable_schema = OFF;");
        }
        var record = Backups.Make(bad, Backups_);
        var target = Db.Create(_temp["good.db"], customers: 25);
        var before = File.ReadAllBytes(target);

        var ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Record = record, Target = target }));

        Assert.Equal("BackupVerificationFailed", ex.ErrorId);
        Assert.Contains("integrity_check", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.DoesNotContain(new LocalFolderDestination(Backups_).List(), r => r.Type == BackupType.PreRestore);
        AssertNoLeftovers();
    }

    [Fact]
    public void A_target_damaged_during_the_swap_is_rolled_back_from_the_safety_backup()
    {
        var record = Backups.Make(Db.Create(_temp["source.db"], customers: 300), Backups_);
        var target = Db.Create(_temp["good.db"], customers: 25);
        var before = Db.Dump(target);
        // As a failing disk would: zeroes over the restored database's second page (a b-tree page).
        // The hook is process-wide and test classes run in parallel: it touches only this test's targets.
        RestoreOperation.AfterSwapForTesting = path =>
        {
            if (!path.StartsWith(_temp.Path, StringComparison.Ordinal)) return;
            using var f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            f.Position = 4096;
            f.Write(new byte[4096]);
        };
        try
        {
            var ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Record = record, Target = target }));
            Assert.Equal("RestoreCheckFailed", ex.ErrorId);
            Assert.Contains("rolled back", ex.Message);
            Assert.Equal(before, Db.Dump(target));

            // Into a new path there is nothing to roll back to: the restored file is removed.
            var fresh = _temp["fresh.db"];
            ex = Assert.Throws<BackupException>(() => Backups.Restore(new RestoreRequest { Record = record, Target = fresh }));
            Assert.Equal("RestoreCheckFailed", ex.ErrorId);
            Assert.False(File.Exists(fresh));
        }
        finally
        {
            RestoreOperation.AfterSwapForTesting = null;
        }
        AssertNoLeftovers();
    }

    [Fact]
    public void A_backup_file_without_sidecar_is_restored_from_what_the_archive_says()
    {
        var archive = HandBuiltArchive.Valid();
        var path = archive.Write(_temp["lone.tar.zst"]);
        var target = _temp["from-archive.db"];
        var files = _temp["from-archive-files"];

        var result = Backups.Restore(new RestoreRequest { Path = path, Target = target, FilesTarget = files });

        Assert.Null(result.Plan.Record);
        Assert.Equal(3, Db.Count(target, "t"));
        Assert.Equal(HandBuiltArchive.FileBytes, File.ReadAllBytes(Path.Combine(files, "r", "a.txt")));
        Assert.Equal(1, result.FilesRestored);
    }

    [Theory]
    [InlineData("..", "/nonexistent/r")]
    [InlineData(".", "/nonexistent/r")]
    [InlineData("r/../../evil", "/nonexistent/r")]
    [InlineData("r\\evil", "/nonexistent/r")]
    [InlineData("r", "relative/path")]
    public void A_file_root_that_is_not_a_safe_place_is_refused(string name, string originalPath)
    {
        var archive = HandBuiltArchive.Valid();
        archive.Manifest.FileRoots[0].Name = name;
        archive.Manifest.FileRoots[0].OriginalPath = originalPath;
        var path = archive.Write(_temp["hostile-root.tar.zst"]);

        var ex = Assert.Throws<BackupException>(() => RestoreOperation.Plan(new RestoreRequest { Path = path, Target = _temp["t.db"], FilesTarget = _temp["files"] }));

        Assert.Equal("BackupCorrupt", ex.ErrorId);
        Assert.False(Directory.Exists(_temp["files"]));
    }
}
