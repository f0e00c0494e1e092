using System.Security.Cryptography;
using System.Text;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Import;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Import-DbBackup's engine on real files made by the real tools: sqlite3, gzip, zstd.</summary>
public sealed class ImportOperationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly DateTime OldTime = new(2024, 5, 1, 3, 0, 7, DateTimeKind.Utc);

    /// <summary>A SQLite copy as a cron script makes it: sqlite3 ".backup", with an old modification time.</summary>
    private string CronCopy(string name = "app-2024-05-01.db")
    {
        var source = Db.Create(Path.Combine(_temp.CreateDirectory("live"), "app.db"), customers: 200);
        Directory.CreateDirectory(_temp["old"]);
        var copy = _temp["old", name];
        Tool.Ok("sqlite3", null, source, $".backup '{copy}'");
        File.SetLastWriteTimeUtc(copy, OldTime);
        return copy;
    }

    private static string Gzip(string path)
    {
        Tool.Ok("gzip", null, "-k", "-f", path);
        File.SetLastWriteTimeUtc(path + ".gz", OldTime);
        return path + ".gz";
    }

    private static string Zstd(string path)
    {
        Tool.Ok("zstd", null, "-q", "-k", "-f", path);
        File.SetLastWriteTimeUtc(path + ".zst", OldTime);
        return path + ".zst";
    }

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    private Model.BackupRecord? Import(string path, bool force = false, KeyRing? keys = null, List<string>? warnings = null, string? engine = null) =>
        ImportOperation.Run(new ImportRequest { Path = path, Destination = _temp["dest"], Force = force, Encryption = keys, Engine = engine },
            new OperationContext(warning: warnings is null ? null : warnings.Add));

    [Fact]
    public void Recognises_sqlite_copies_plain_gzip_and_zstd_by_content()
    {
        var copy = CronCopy();
        Assert.Equal((ImportFormat.Sqlite, "none"), Pair(ImportOperation.Detect(copy)));
        Assert.Equal((ImportFormat.Sqlite, "gzip"), Pair(ImportOperation.Detect(Gzip(copy))));
        Assert.Equal((ImportFormat.Sqlite, "zstd"), Pair(ImportOperation.Detect(Zstd(copy))));
        // The name does not matter: a gzip file called .bak is still recognised.
        var renamed = _temp["old", "whatever.bak"];
        File.Copy(copy + ".gz", renamed);
        Assert.Equal("sqlite+gzip", ImportOperation.Detect(renamed).FormatName);

        static (ImportFormat, string) Pair(ImportDetection d) => (d.Format, d.Wrapping);
    }

    [Fact]
    public void Recognises_pg_dump_plain_sql_inside_gzip()
    {
        var sql = _temp.WriteFile("shop.sql", SampleDump(complete: true));
        Tool.Ok("gzip", null, "-k", sql);
        var d = ImportOperation.Detect(sql + ".gz");
        Assert.Equal(ImportFormat.PgDumpPlain, d.Format);
        Assert.Equal("PostgreSQL", d.Engine);
        Assert.Equal("pg_dump-plain+gzip", d.FormatName);
    }

    [Theory]
    [InlineData("random", "unknown kind")]
    [InlineData("empty", "empty")]
    [InlineData("text", "not a pg_dump SQL dump")]
    [InlineData("cluster", "pg_dumpall")]
    public void Refuses_what_it_does_not_know_saying_what_it_found(string kind, string found)
    {
        var path = kind switch
        {
            "random" => _temp.WriteFile("x.bin", Bytes.Random(4096, 7)),
            "empty" => _temp.WriteFile("x.db", []),
            "text" => _temp.WriteFile("notes.sql", "SELECT 1;\n"),
            _ => _temp.WriteFile("all.sql", "--\n-- PostgreSQL database cluster dump\n--\n\nSET x = 1;\n"),
        };
        var ex = Assert.Throws<BackupException>(() => Import(path));
        Assert.Equal("ImportUnrecognizedFormat", ex.ErrorId);
        Assert.Contains(found, ex.Message);
        Assert.Contains("accepts a SQLite database file", ex.Message);
        Assert.False(Directory.Exists(_temp["dest"]) && Directory.EnumerateFileSystemEntries(_temp["dest"]).Any());
    }

    [Fact]
    public void A_gzipped_cron_copy_becomes_a_backup_created_at_its_modification_time_that_verifies_and_restores()
    {
        var copy = CronCopy();
        var gz = Gzip(copy);
        var before = Sha(gz);

        var record = Import(gz)!;

        Assert.Equal(before, Sha(gz)); // the original is only read
        Assert.Equal(OldTime, record.CreatedUtc.UtcDateTime);
        Assert.StartsWith("app_20240501T030007Z_", Path.GetFileName(record.Path));
        Assert.Equal("app", record.DatabaseName);
        Assert.Equal("SQLite", record.Engine);
        Assert.Equal(Model.BackupType.Database, record.Type);
        Assert.Null(record.Manifest.SourcePath);
        var imported = record.Manifest.Imported!;
        Assert.Equal(gz, imported.OriginalPath);
        Assert.Equal("app-2024-05-01.db.gz", imported.OriginalFileName);
        Assert.Equal(before, imported.OriginalSha256);
        Assert.Equal("sqlite+gzip", imported.OriginalFormat);
        Assert.Equal(200, record.Manifest.Tables.Single(t => t.Name == "customers").Rows);
        Assert.Equal(400, record.Manifest.Tables.Single(t => t.Name == "orders").Rows);
        Assert.Equal("database/app-2024-05-01.db", record.Manifest.DatabaseEntry!.Path);

        // Listed like any backup, verified like any backup, the "imported" block in the sidecar too.
        var listed = Assert.Single(new LocalFolderDestination(_temp["dest"]).List());
        Assert.Equal(before, listed.Manifest.Imported!.OriginalSha256);
        var result = Backups.Verify(record.Path);
        Assert.True(result.Passed, result.FailureReason);
        Backups.CheckOutcome(result, "IntegrityCheck", CheckOutcome.Passed);
        Backups.CheckOutcome(result, "RowCounts", CheckOutcome.Passed);

        // The archive holds the decompressed copy, byte for byte.
        var x = Backups.ExtractWithTar(record.Path, _temp["x"]);
        Assert.Equal(Sha(copy), Sha(Path.Combine(x, "database", "app-2024-05-01.db")));
        Assert.DoesNotContain(DestinationEntries(), p => Path.GetFileName(p).StartsWith('.')); // no scratch or partial left
    }

    [Fact]
    public void A_zstd_copy_and_a_plain_copy_import_too()
    {
        var copy = CronCopy("crm.sqlite3");
        var zst = Zstd(copy);
        var a = Import(zst)!;
        var b = Import(copy)!;
        Assert.Equal("crm", a.DatabaseName);
        Assert.Equal("sqlite+zstd", a.Manifest.Imported!.OriginalFormat);
        Assert.Equal("sqlite", b.Manifest.Imported!.OriginalFormat);
        Assert.True(Backups.Verify(a.Path).Passed);
        Assert.True(Backups.Verify(b.Path).Passed);
        // Only the two backups and their sidecars: no scratch folder or partial file is left behind.
        Assert.Equal(4, DestinationEntries().Length);
    }

    [Fact]
    public void The_same_file_twice_is_skipped_with_a_warning_unless_forced()
    {
        var gz = Gzip(CronCopy());
        var first = Import(gz)!;
        var warnings = new List<string>();
        Assert.Null(Import(gz, warnings: warnings));
        Assert.Contains(warnings, w => w.Contains("already imported") && w.Contains(first.Path));
        Assert.Single(new LocalFolderDestination(_temp["dest"]).List());

        var again = Import(gz, force: true)!;
        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal(2, new LocalFolderDestination(_temp["dest"]).List().Count);
    }

    [Fact]
    public void A_truncated_gzip_is_refused_and_nothing_is_listed()
    {
        var gz = Gzip(CronCopy());
        var truncated = _temp["old", "cut.db.gz"];
        var bytes = File.ReadAllBytes(gz);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length * 2 / 3)]);
        var before = Sha(truncated);

        var ex = Assert.Throws<BackupException>(() => Import(truncated));

        Assert.Equal("ImportCheckFailed", ex.ErrorId);
        Assert.Equal(before, Sha(truncated));
        Assert.Empty(new LocalFolderDestination(_temp["dest"]).List());
        Assert.Empty(DestinationEntries());
    }

    [Fact]
    public void A_gzip_cut_only_inside_its_trailer_is_refused()
    {
        var gz = Gzip(CronCopy());
        var cut = _temp["old", "cut.db.gz"];
        var bytes = File.ReadAllBytes(gz);
        File.WriteAllBytes(cut, bytes[..^3]); // the whole database is there; the gzip trailer is not
        Assert.Equal("ImportCheckFailed", Assert.Throws<BackupException>(() => Import(cut)).ErrorId);
    }

    [Fact]
    public void A_corrupt_sqlite_copy_is_refused_by_integrity_check()
    {
        var copy = CronCopy();
        using (var f = new FileStream(copy, FileMode.Open, FileAccess.Write))
        {
            f.Position = 4096 * 3; // pages 4 and 5: b-tree pages of the tables
            f.Write(Bytes.Random(8192, 3));
        }
        var gz = Gzip(copy);
        var ex = Assert.Throws<BackupException>(() => Import(gz));
        Assert.Equal("ImportCheckFailed", ex.ErrorId);
        Assert.Contains("not imported", ex.Message);
        Assert.Empty(DestinationEntries());
    }

    [Fact]
    public void A_missing_file_and_a_wrong_engine_are_named()
    {
        Assert.Equal("ImportFileNotFound", Assert.Throws<BackupException>(() => Import(_temp["nope.db.gz"])).ErrorId);
        var ex = Assert.Throws<BackupException>(() => Import(CronCopy(), engine: "PostgreSQL"));
        Assert.Equal("ImportUnrecognizedFormat", ex.ErrorId);
        Assert.Contains("SQLite database", ex.Message);
    }

    [Fact]
    public void An_encrypted_import_keeps_the_original_sha_in_the_sidecar_but_not_its_path()
    {
        var gz = Gzip(CronCopy());
        using var keys = new KeyRing(Encoding.UTF8.GetBytes("import passphrase"), []);
        var record = Import(gz, keys: keys)!;
        Assert.True(record.Encrypted);
        var sidecar = File.ReadAllText(record.SidecarPath);
        Assert.Contains(Sha(gz), sidecar);
        Assert.DoesNotContain("app-2024-05-01", sidecar);
        Assert.DoesNotContain(_temp["old"], sidecar);
        // Recognised as already imported from the redacted sidecar alone.
        var warnings = new List<string>();
        Assert.Null(Import(gz, keys: keys, warnings: warnings));
        Assert.Single(warnings);
        var result = VerifyOperation.Run(new VerifyRequest { Record = record }, new OperationContext { Keys = keys });
        Assert.True(result.Passed, result.FailureReason);
    }

    [Theory]
    [InlineData("app-2024-05-01.db.gz", "app")]
    [InlineData("app_20240501.db.gz", "app")]
    [InlineData("shop_20240501T030000Z.sql.gz", "shop")]
    [InlineData("shop-2024-05-01_03-00-00.sql.zst", "shop")]
    [InlineData("crm.dump", "crm")]
    [InlineData("inventory.sqlite3", "inventory")]
    [InlineData("app.db.1714531200.gz", "app.db")]
    [InlineData("2024-05-01.db", "2024-05-01")]
    [InlineData("my app.db", "my app")]
    public void Database_name_from_the_file_name(string file, string expected) =>
        Assert.Equal(expected, ImportOperation.DatabaseNameFor(file));

    internal static string SampleDump(bool complete, string extra = "") =>
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbCdEf\n\n-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)\n\n" +
        "SET statement_timeout = 0;\n" + extra +
        "CREATE TABLE public.album (id integer);\n" +
        "COPY public.album (id) FROM stdin;\n1\n2\n3\n\\.\n\n" +
        "COPY \"Sales\".\"Order \"\"Lines\"\"\" (id, note) FROM stdin;\n1\t-- PostgreSQL database dump complete\n2\tCOPY x FROM stdin;\n\\.\n\n" +
        "COPY public.empty (id) FROM stdin;\n\\.\n\n" +
        (complete ? "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict AbCdEf\n\n" : "");

    /// <summary>What an import left in the destination, apart from audit.jsonl (every import, refused ones too, adds its line by design).</summary>
    private string[] DestinationEntries() =>
        Directory.GetFileSystemEntries(_temp["dest"]).Where(p => Path.GetFileName(p) != "audit.jsonl").ToArray();
}

/// <summary>The scanner of pg_dump's SQL text: header, trailer, versions, and COPY rows.</summary>
public sealed class PgDumpTextTests
{
    [Fact]
    public void Counts_copy_rows_per_table_with_quoted_names()
    {
        var scan = PgDumpText.Scan(new StringReader(ImportOperationTests.SampleDump(complete: true)), default);
        Assert.True(scan.HasHeader);
        Assert.True(scan.Complete);
        Assert.Equal("15.18 (Debian 15.18-0+deb12u1)", scan.ServerVersion);
        Assert.Equal(150018, PgDumpText.VersionNum(scan.ServerVersion));
        Assert.Equal("15.18", PgDumpText.ShortVersion(scan.PgDumpVersion));
        Assert.Equal(["public.album=3", "Sales.Order \"Lines\"=2", "public.empty=0"], scan.Tables.Select(t => $"{t.Name}={t.Rows}"));
        Assert.Null(scan.SwitchesDatabase);
    }

    [Fact]
    public void A_dump_without_its_trailer_is_incomplete_even_when_a_row_looks_like_one()
    {
        var scan = PgDumpText.Scan(new StringReader(ImportOperationTests.SampleDump(complete: false)), default);
        Assert.True(scan.HasHeader);
        Assert.False(scan.Complete);
    }

    [Fact]
    public void A_dump_cut_inside_a_copy_block_is_incomplete()
    {
        var text = ImportOperationTests.SampleDump(complete: true);
        var scan = PgDumpText.Scan(new StringReader(text[..text.IndexOf("2\n3\n", StringComparison.Ordinal)]), default);
        Assert.False(scan.Complete);
    }

    [Fact]
    public void Sql_after_the_trailer_makes_it_incomplete()
    {
        var text = ImportOperationTests.SampleDump(complete: true) + "DROP TABLE public.album;\n";
        Assert.False(PgDumpText.Scan(new StringReader(text), default).Complete);
    }

    [Fact]
    public void A_dump_that_creates_or_connects_to_a_database_is_flagged()
    {
        var scan = PgDumpText.Scan(new StringReader(ImportOperationTests.SampleDump(true, "CREATE DATABASE shop WITH TEMPLATE = template0;\n\\connect shop\n")), default);
        Assert.StartsWith("CREATE DATABASE shop", scan.SwitchesDatabase);
    }

    [Theory]
    [InlineData("9.6.24", 90624)]
    [InlineData("16.4", 160004)]
    [InlineData("17beta1", 170000)]
    [InlineData("", 0)]
    public void Version_numbers(string version, int expected) => Assert.Equal(expected, PgDumpText.VersionNum(version));
}

/// <summary>How a plain dump is fed to psql: byte for byte, without pg_dump's own \restrict / \unrestrict lines.</summary>
public sealed class PlainDumpFeedTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(71)]
    [InlineData(1 << 20)]
    public void Leaves_out_only_restrict_lines_whatever_the_buffer_boundaries(int buffer)
    {
        var text = "--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC\n\nSET x = 1;\nCOPY public.t (a) FROM stdin;\n\\\\restrict kept as data\n\\.\n"
            + new string('y', 200) + "\n\\unrestrict AbC\n\\unrestrict";
        var input = Encoding.Latin1.GetBytes(text + "\xE9\n");
        using var output = new MemoryStream();
        PlainDumps.CopyWithoutRestrictLines(new MemoryStream(input), output, default, buffer);
        var expected = Encoding.Latin1.GetBytes(text.Replace("\\restrict AbC\n", "").Replace("\n\\unrestrict AbC\n", "\n") + "\xE9\n");
        Assert.Equal(Encoding.Latin1.GetString(expected), Encoding.Latin1.GetString(output.ToArray()));
    }

    [Theory]
    [InlineData("15.18", true)]
    [InlineData("15.13", false)]
    [InlineData("17.6", true)]
    [InlineData("16.9", false)]
    [InlineData("18.1", true)]
    [InlineData("12.22", false)]
    public void Knows_which_psql_has_restrict(string version, bool expected) => Assert.Equal(expected, PlainDumps.SupportsRestrict(version));

    [Fact]
    public void A_line_starting_with_a_foreign_psql_command_is_flagged()
    {
        var scan = PgDumpText.Scan(new StringReader(ImportOperationTests.SampleDump(true, "\\! touch /tmp/x\n")), default);
        Assert.Equal("\\! touch /tmp/x", scan.ForeignMetaCommand);
        Assert.Null(PgDumpText.Scan(new StringReader(ImportOperationTests.SampleDump(true)), default).ForeignMetaCommand);
    }
}
