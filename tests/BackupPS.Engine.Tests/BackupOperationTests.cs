using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>What one backup writes: its name, the archive inside, its sidecar, permissions, and nothing else.</summary>
public sealed class BackupOperationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(CompressionKind.Zstd, ".tar.zst")]
    [InlineData(CompressionKind.Gzip, ".tar.gz")]
    [InlineData(CompressionKind.None, ".tar")]
    public void File_name_is_database_timestamp_short_id_and_extension(CompressionKind compression, string extension)
    {
        var db = Db.Create(_temp["my app (prod).db"]);
        var record = Backups.Make(db, _temp["backups"], compression: compression);

        var name = Path.GetFileName(record.Path);
        var match = Regex.Match(name, @"^(?<db>.+)_(?<ts>\d{8}T\d{6}Z)_(?<id>[0-9a-f]{8})" + Regex.Escape(extension) + "$");
        Assert.True(match.Success, name);
        Assert.Equal("my_app__prod_", match.Groups["db"].Value);
        Assert.Equal("my_app__prod_", record.DatabaseName);
        Assert.Equal(record.Id.ToString("N")[..8], match.Groups["id"].Value);
        var stamp = DateTime.ParseExact(match.Groups["ts"].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        Assert.Equal(record.CreatedUtc.UtcDateTime.AddTicks(-(record.CreatedUtc.UtcTicks % TimeSpan.TicksPerSecond)), stamp);
        Assert.Equal(Path.Combine(_temp["backups"], name), record.Path);
        Assert.Equal(compression, Codec.Detect(File.ReadAllBytes(record.Path).AsSpan(0, 512)));
    }

    [Fact]
    public void Sidecar_records_the_file_hash_entry_hashes_row_counts_and_sqlite_info()
    {
        var db = Db.Create(_temp["shop.db"], customers: 120);
        Db.Exec(db, "PRAGMA user_version = 7; PRAGMA application_id = 4242;");
        var record = Backups.Make(db, _temp["backups"], tags: ["nightly", "prod"]);

        using var json = Backups.ReadJson(record.SidecarPath);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("sidecarVersion").GetInt32());
        Assert.Equal(Path.GetFileName(record.Path), root.GetProperty("backupFile").GetString());
        Assert.Equal(new FileInfo(record.Path).Length, root.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(Bytes.Sha256HexOfFile(record.Path), root.GetProperty("sha256").GetString());
        Assert.Equal(Tool.Ok("sha256sum", null, record.Path).Split(' ')[0], root.GetProperty("sha256").GetString());
        Assert.False(root.GetProperty("encrypted").GetBoolean());

        var manifest = root.GetProperty("manifest");
        Assert.Equal(1, manifest.GetProperty("formatVersion").GetInt32());
        Assert.Equal(record.Id, manifest.GetProperty("id").GetGuid());
        Assert.Equal("SQLite", manifest.GetProperty("engine").GetString());
        Assert.Equal("shop", manifest.GetProperty("databaseName").GetString());
        Assert.Equal("Database", manifest.GetProperty("type").GetString());
        Assert.Equal(["nightly", "prod"], manifest.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(db, manifest.GetProperty("sourcePath").GetString());
        Assert.Equal("zstd", manifest.GetProperty("compression").GetString());

        var sqlite = manifest.GetProperty("sqlite");
        Assert.Equal(Db.Scalar<string>(db, "SELECT sqlite_version()"), sqlite.GetProperty("sqliteVersion").GetString());
        Assert.Equal(Db.Scalar<long>(db, "PRAGMA page_size"), sqlite.GetProperty("pageSize").GetInt64());
        Assert.Equal(Db.Scalar<long>(db, "PRAGMA page_count"), sqlite.GetProperty("pageCount").GetInt64());
        Assert.Equal("delete", sqlite.GetProperty("journalMode").GetString());
        Assert.Equal("UTF-8", sqlite.GetProperty("textEncoding").GetString());
        Assert.Equal(7, sqlite.GetProperty("userVersion").GetInt64());
        Assert.Equal(4242, sqlite.GetProperty("applicationId").GetInt64());

        var tables = manifest.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("rows").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["customers"] = 120, ["orders"] = 240 }, tables);

        var entry = Assert.Single(manifest.GetProperty("entries").EnumerateArray());
        Assert.Equal("database/shop.db", entry.GetProperty("path").GetString());
        Assert.Equal("Database", entry.GetProperty("kind").GetString());
        Assert.Equal(new FileInfo(db).Length, entry.GetProperty("size").GetInt64());
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(db)), entry.GetProperty("modifiedUtc").GetDateTimeOffset());

        // The entry hash is the hash of the database file inside the archive, and the archive's own checksum list agrees.
        var extracted = Backups.ExtractWithTar(record.Path, _temp["x"]);
        Assert.Equal(Bytes.Sha256HexOfFile(Path.Combine(extracted, "database", "shop.db")), entry.GetProperty("sha256").GetString());
        Tool.Ok("sha256sum", extracted, "--strict", "-c", "checksums.sha256");
        Assert.Equal($"{entry.GetProperty("sha256").GetString()}  database/shop.db\n", File.ReadAllText(Path.Combine(extracted, "checksums.sha256")));
    }

    [Fact]
    public void Archive_holds_manifest_first_then_entries_then_checksums_last()
    {
        var db = Db.Create(_temp["app.db"]);
        var dir = _temp.CreateDirectory("conf");
        _temp.WriteFile("conf/app.ini", "[main]\nx=1\n");
        var record = Backups.Make(db, _temp["backups"], include: [dir]);

        var listing = Tool.Ok("tar", null, "--zstd", "-tf", record.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["manifest.json", "database/app.db", "files/conf/", "files/conf/app.ini", "checksums.sha256"], listing);

        var extracted = Backups.ExtractWithTar(record.Path, _temp["x"]);
        using var manifest = Backups.ReadJson(Path.Combine(extracted, "manifest.json"));
        Assert.Equal(record.Id, manifest.RootElement.GetProperty("id").GetGuid());
        // Inside the archive the manifest cannot know the entry hashes; the sidecar and checksums.sha256 carry them.
        Assert.All(manifest.RootElement.GetProperty("entries").EnumerateArray(), e => Assert.False(e.TryGetProperty("sha256", out _)));
        Tool.Ok("sha256sum", extracted, "--strict", "-c", "checksums.sha256");
        Assert.Equal(Db.Dump(db), Db.Dump(Path.Combine(extracted, "database", "app.db")));
    }

    [Fact]
    public void Backup_file_and_sidecar_are_0600_and_a_new_destination_folder_0700()
    {
        var db = Db.Create(_temp["a.db"]);
        var record = Backups.Make(db, _temp["new", "backups"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record.SidecarPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_temp["new", "backups"]));
    }

    [Fact]
    public void Only_the_backup_and_its_sidecar_remain_and_the_source_folder_is_untouched()
    {
        var source = _temp.CreateDirectory("src");
        var db = Db.Create(Path.Combine(source, "data.db"));
        var before = _temp.Listing(source);
        var hash = Bytes.Sha256HexOfFile(db);

        var record = Backups.Make(db, _temp["backups"]);
        Backups.Make(db, _temp["backups"], compression: CompressionKind.Gzip);

        var listing = _temp.Listing(_temp["backups"]);
        Assert.Equal(4, listing.Count);
        Assert.Contains(Path.GetFileName(record.Path), listing);
        Assert.Contains(Path.GetFileName(record.SidecarPath), listing);
        Assert.All(listing, n => Assert.Matches(@"^data_\d{8}T\d{6}Z_[0-9a-f]{8}\.tar\.(zst|gz)(\.json)?$", n));
        Assert.Equal(before, _temp.Listing(source));
        Assert.Equal(hash, Bytes.Sha256HexOfFile(db));
    }

    [Fact]
    public void Included_files_and_folders_keep_content_modes_and_times()
    {
        var db = Db.Create(_temp["app.db"]);
        var conf = _temp.CreateDirectory("etc", "conf");
        var files = new (string Rel, byte[] Content, UnixFileMode Mode, DateTime Mtime)[]
        {
            ("app.ini", "x=1\n"u8.ToArray(), (UnixFileMode)0x1A0, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
            ("empty", [], (UnixFileMode)0x180, new DateTime(2021, 6, 7, 8, 9, 10, DateTimeKind.Utc)),
            ("run.sh", "#!/bin/sh\n"u8.ToArray(), (UnixFileMode)0x1ED, new DateTime(2019, 12, 31, 23, 59, 58, DateTimeKind.Utc)),
            ("sub/données ü.bin", Bytes.Random(70_000, 41), (UnixFileMode)0x1A4, new DateTime(2018, 3, 4, 5, 6, 7, DateTimeKind.Utc)),
        };
        foreach (var f in files)
        {
            var path = _temp.WriteFile(Path.Combine("etc", "conf", f.Rel), f.Content);
            File.SetUnixFileMode(path, f.Mode);
            File.SetLastWriteTimeUtc(path, f.Mtime);
        }
        File.SetUnixFileMode(Path.Combine(conf, "sub"), (UnixFileMode)0x1E8); // 0750
        var single = _temp.WriteFile("notes.txt", "single file root");
        var record = Backups.Make(db, _temp["backups"], include: [conf, single]);

        Assert.Equal(BackupType.Full, record.Type);
        Assert.Equal(["conf", "notes.txt"], record.Manifest.FileRoots.Select(r => r.Name));
        Assert.Equal([true, false], record.Manifest.FileRoots.Select(r => r.IsDirectory));
        Assert.Equal([conf, single], record.Manifest.FileRoots.Select(r => r.OriginalPath));
        var entries = record.Manifest.Entries.ToDictionary(e => e.Path);
        Assert.Equal("0640", entries["files/conf/app.ini"].Mode);
        Assert.Equal("0755", entries["files/conf/run.sh"].Mode);
        Assert.Equal("0750", entries["files/conf/sub/"].Mode);
        Assert.Equal(EntryKind.Directory, entries["files/conf/sub/"].Kind);
        Assert.Equal(70_000, entries["files/conf/sub/données ü.bin"].Size);
        Assert.Equal(EntryKind.File, entries["files/notes.txt"].Kind);

        var extracted = Backups.ExtractWithTar(record.Path, _temp["x"]);
        foreach (var f in files)
        {
            var path = Path.Combine(extracted, "files", "conf", f.Rel);
            Assert.Equal(f.Content, File.ReadAllBytes(path));
            Assert.Equal(f.Mode, File.GetUnixFileMode(path));
            Assert.Equal(f.Mtime, File.GetLastWriteTimeUtc(path));
            Assert.Equal(Bytes.Sha256Hex(f.Content), entries["files/conf/" + f.Rel].Sha256);
        }
        Assert.Equal("single file root", File.ReadAllText(Path.Combine(extracted, "files", "notes.txt")));
        Tool.Ok("sha256sum", extracted, "--strict", "-c", "checksums.sha256");
    }

    [Fact]
    public void Links_and_fifos_inside_included_folders_are_skipped_with_a_warning()
    {
        var dir = _temp.CreateDirectory("data");
        _temp.WriteFile("data/real.txt", "real");
        _temp.WriteFile("outside.txt", "secret outside the folder");
        File.CreateSymbolicLink(Path.Combine(dir, "link.txt"), _temp["outside.txt"]);
        Tool.Ok("mkfifo", null, Path.Combine(dir, "pipe"));
        var warnings = new List<string>();

        var record = Backups.Make(null, _temp["backups"], include: [dir], type: BackupType.Files, warnings: warnings);

        Assert.Equal(["files/data/", "files/data/real.txt"], record.Manifest.Entries.Select(e => e.Path));
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("link.txt"));
        Assert.Contains(warnings, w => w.Contains("pipe"));
    }

    [Fact]
    public void Roots_with_the_same_name_get_distinct_folders()
    {
        var a = _temp.CreateDirectory("one", "conf");
        var b = _temp.CreateDirectory("two", "conf");
        _temp.WriteFile("one/conf/x", "1");
        _temp.WriteFile("two/conf/x", "2");
        var record = Backups.Make(null, _temp["backups"], include: [a, b], type: BackupType.Files);
        Assert.Equal(BackupType.Files, record.Type);
        Assert.Equal("conf", record.DatabaseName);
        Assert.Equal(["conf", "conf-2"], record.Manifest.FileRoots.Select(r => r.Name));
        var extracted = Backups.ExtractWithTar(record.Path, _temp["x"]);
        Assert.Equal("1", File.ReadAllText(Path.Combine(extracted, "files", "conf", "x")));
        Assert.Equal("2", File.ReadAllText(Path.Combine(extracted, "files", "conf-2", "x")));
    }

    [Fact]
    public void PreRestore_with_only_files_is_allowed()
    {
        var dir = _temp.CreateDirectory("docs");
        _temp.WriteFile("docs/a.txt", "a");
        var record = Backups.Make(null, _temp["backups"], include: [dir], type: BackupType.PreRestore, name: "app");
        Assert.Equal(BackupType.PreRestore, record.Type);
        Assert.Equal("app", record.DatabaseName);
        Assert.Null(record.Manifest.DatabaseEntry);
        Assert.Null(record.Manifest.Sqlite);
        Assert.True(Backups.Verify(record.Path).Passed);
    }

    [Fact]
    public void Chinook_row_counts_match_the_sqlite3_cli()
    {
        var chinook = SharedData.Path("Chinook_Sqlite.sqlite");
        var copy = _temp["Chinook.sqlite"];
        if (File.Exists(chinook)) File.Copy(chinook, copy);
        else Db.Create(copy, customers: 300); // CI without the sample data: the same check on a generated database
        var record = Backups.Make(copy, _temp["backups"]);

        var names = Tool.Ok("sqlite3", null, "-readonly", copy, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(names, record.Manifest.Tables.Select(t => t.Name));
        foreach (var table in record.Manifest.Tables)
            Assert.Equal(Tool.Ok("sqlite3", null, "-readonly", copy, $"SELECT count(*) FROM \"{table.Name}\"").Trim(), table.Rows.ToString());
    }

    [Fact]
    public void Sidecar_is_read_back_as_the_same_record()
    {
        var db = Db.Create(_temp["a.db"]);
        var record = Backups.Make(db, _temp["backups"], tags: ["t"]);
        var listed = Assert.Single(new Destinations.LocalFolderDestination(_temp["backups"]).List());
        Assert.Equal(record.Path, listed.Path);
        Assert.Equal(record.Id, listed.Id);
        Assert.Equal(record.Sha256, listed.Sha256);
        Assert.Equal(record.CreatedUtc, listed.CreatedUtc);
        Assert.Equal(JsonSerializer.Serialize(record.Manifest.Entries), JsonSerializer.Serialize(listed.Manifest.Entries));
    }
}
