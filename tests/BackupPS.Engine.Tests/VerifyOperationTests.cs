using System.Text.Json.Nodes;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Verification passes on a good backup and reports every kind of damage as a failed check — never as an exception.</summary>
public sealed class VerifyOperationTests : IDisposable
{
    private static readonly string[] AllChecks = ["FileChecksum", "Archive", "EntryChecksums", "IntegrityCheck", "RowCounts"];
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Scratch => _temp.CreateDirectory("scratch");

    private BackupRecord MakeBackup(CompressionKind compression = CompressionKind.Zstd, string name = "app")
    {
        var db = Db.Create(_temp[name + ".db"], customers: 300);
        var dir = _temp.CreateDirectory(name + "-files");
        _temp.WriteFile(name + "-files/a.txt", Bytes.Text(20_000, 61));
        _temp.WriteFile(name + "-files/sub/b.bin", Bytes.Random(30_000, 62));
        return Backups.Make(db, _temp["backups"], include: [dir], compression: compression);
    }

    private VerifyResult VerifyPath(string path)
    {
        var result = Backups.Verify(path, Scratch);
        Assert.Empty(_temp.Listing(Scratch)); // the scratch copy is always removed
        return result;
    }

    private static void AssertFailed(VerifyResult result, string because)
    {
        Assert.False(result.Passed, $"{because}: verification passed; checks: {string.Join("; ", result.Checks.Select(c => $"{c.Name}={c.Outcome}"))}");
        Assert.Contains(result.Checks, c => c.Outcome == CheckOutcome.Failed);
        Assert.False(string.IsNullOrEmpty(result.FailureReason));
    }

    [Theory]
    [InlineData(CompressionKind.Zstd)]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.None)]
    public void A_fresh_backup_passes_every_check(CompressionKind compression)
    {
        var record = MakeBackup(compression);
        var result = VerifyOperation.Run(new VerifyRequest { Record = record, ScratchDirectory = Scratch }, OperationContext.None);
        Assert.True(result.Passed, result.FailureReason);
        Assert.Null(result.FailureReason);
        Assert.Equal(AllChecks, result.Checks.Select(c => c.Name));
        Assert.All(result.Checks, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
        Assert.Equal(record.Path, result.Path);
        Assert.Empty(_temp.Listing(Scratch));
    }

    [Fact]
    public void By_path_the_sidecar_beside_the_file_is_used()
    {
        var record = MakeBackup();
        var result = VerifyPath(record.Path);
        Assert.True(result.Passed, result.FailureReason);
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Passed);
        Assert.NotNull(result.Record);
        // The sidecar's own path is accepted too.
        Assert.True(VerifyPath(record.SidecarPath).Passed);
    }

    [Fact]
    public void Without_a_sidecar_FileChecksum_is_skipped_and_the_rest_still_runs()
    {
        var record = MakeBackup();
        var lone = _temp["lone", Path.GetFileName(record.Path)];
        Directory.CreateDirectory(_temp["lone"]);
        File.Copy(record.Path, lone);

        var result = VerifyPath(lone);

        Assert.True(result.Passed, result.FailureReason);
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Skipped);
        foreach (var check in AllChecks.Skip(1)) Backups.CheckOutcome(result, check, CheckOutcome.Passed);
        Assert.Null(result.Record);
        Assert.Equal(record.Id, result.Manifest!.Id);
        Assert.Equal(record.Manifest.Entries.Select(e => e.Sha256), result.Manifest.Entries.Select(e => e.Sha256)); // taken from checksums.sha256
        Assert.Equal([Path.GetFileName(record.Path)], _temp.Listing(_temp["lone"])); // no sidecar was created
    }

    [Fact]
    public void The_outcome_is_recorded_in_the_sidecar()
    {
        var record = MakeBackup();
        Assert.Null(record.LastVerifiedUtc);
        var before = DateTimeOffset.UtcNow;

        VerifyPath(record.Path);
        var sidecar = LocalFolderDestination.ReadSidecar(record.SidecarPath);
        Assert.True(sidecar.LastVerificationPassed);
        Assert.NotNull(sidecar.LastVerifiedUtc);
        Assert.True(sidecar.LastVerifiedUtc >= before.AddSeconds(-1));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record.SidecarPath));
        Assert.False(File.Exists(record.SidecarPath + ".partial"));

        Bytes.FlipByte(record.Path, 1000);
        VerifyPath(record.Path);
        sidecar = LocalFolderDestination.ReadSidecar(record.SidecarPath);
        Assert.False(sidecar.LastVerificationPassed);
        Assert.Equal(record.Sha256, sidecar.Sha256); // the recorded hash is never "repaired" to match a damaged file
    }

    private static readonly string[] AllDamages =
    [
        "flip:0", "flip:4", "flip:5", "flip:100", "flip:middle", "flip:-100", "flip:-5", "flip:-1",
        "truncate:half", "truncate:-1", "truncate:-4", "truncate:1", "empty",
        "append:garbage", "append:zeros", "append:zstd-frame",
    ];

    public static readonly TheoryData<string> Damages = new(AllDamages);

    /// <summary>
    /// Without the sidecar's whole-file hash, changes that leave the decoded content identical cannot be seen:
    /// the zstd window-size byte (a larger window decodes the same data) and an appended frame of zeros (tar padding).
    /// </summary>
    public static readonly TheoryData<string> DamagesVisibleWithoutSidecar =
        new(AllDamages.Where(d => d is not ("flip:5" or "append:zstd-frame")));

    private void Damage(string path, string damage)
    {
        var length = new FileInfo(path).Length;
        var (what, arg) = (damage.Split(':')[0], damage.Split(':').ElementAtOrDefault(1));
        switch (what)
        {
            case "flip": Bytes.FlipByte(path, arg == "middle" ? length / 2 : long.Parse(arg!)); break;
            case "truncate": Bytes.Truncate(path, arg == "half" ? length / 2 : arg!.StartsWith('-') ? length + long.Parse(arg) : long.Parse(arg)); break;
            case "empty": Bytes.Truncate(path, 0); break;
            case "append" when arg == "garbage": Bytes.Append(path, Bytes.Random(1000, 63)); break;
            case "append" when arg == "zeros": Bytes.Append(path, new byte[4096]); break;
            case "append":
                var frame = new MemoryStream();
                var compressor = Codec.CreateCompressor(CompressionKind.Zstd, frame, null);
                compressor.Write(new byte[1024]); // a valid frame of zeros: what a naive reader would accept as tar padding
                Codec.Finish(compressor);
                compressor.Dispose();
                Bytes.Append(path, frame.ToArray());
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Damage_with_a_sidecar_fails_verification_without_an_exception(string damage)
    {
        var record = MakeBackup();
        Damage(record.Path, damage);
        var result = VerifyPath(record.Path);
        AssertFailed(result, damage);
        // A changed size is reported as such; a same-size change stops the read at the damage, before the file hash is complete.
        if (new FileInfo(record.Path).Length != record.SizeBytes) Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Failed);
        Assert.DoesNotContain(result.Checks, c => c.Name == "FileChecksum" && c.Outcome == CheckOutcome.Passed);
        Assert.False(LocalFolderDestination.ReadSidecar(record.SidecarPath).LastVerificationPassed);
    }

    [Theory]
    [MemberData(nameof(DamagesVisibleWithoutSidecar))]
    public void Damage_without_a_sidecar_fails_verification_without_an_exception(string damage)
    {
        var record = MakeBackup();
        File.Delete(record.SidecarPath);
        Damage(record.Path, damage);
        var result = VerifyPath(record.Path);
        AssertFailed(result, damage);
        Backups.CheckOutcome(result, "Archive", CheckOutcome.Failed);
    }

    [Theory]
    [InlineData(CompressionKind.Gzip, "truncate:half")]
    [InlineData(CompressionKind.Gzip, "flip:middle")]
    [InlineData(CompressionKind.Gzip, "flip:-3")]
    [InlineData(CompressionKind.None, "truncate:half")]
    [InlineData(CompressionKind.None, "flip:middle")]
    [InlineData(CompressionKind.None, "flip:600")]
    [InlineData(CompressionKind.None, "append:garbage")]
    public void Damage_to_gzip_and_uncompressed_backups(CompressionKind compression, string damage)
    {
        var record = MakeBackup(compression);
        var copy = _temp["lone", Path.GetFileName(record.Path)];
        Directory.CreateDirectory(_temp["lone"]);
        File.Copy(record.Path, copy);
        Damage(record.Path, damage);
        Damage(copy, damage);
        AssertFailed(VerifyPath(record.Path), damage + " with sidecar");
        AssertFailed(VerifyPath(copy), damage + " without sidecar");
    }

    private static void EditSidecar(BackupRecord record, Action<JsonNode> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(record.SidecarPath))!;
        edit(json);
        File.WriteAllText(record.SidecarPath, json.ToJsonString());
    }

    [Fact]
    public void A_sidecar_with_another_sha256_fails_FileChecksum()
    {
        var record = MakeBackup();
        EditSidecar(record, j => j["sha256"] = new string('0', 64));
        var result = VerifyPath(record.Path);
        AssertFailed(result, "wrong sidecar sha256");
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Failed);
        Backups.CheckOutcome(result, "Archive", CheckOutcome.Passed);
    }

    [Fact]
    public void A_sidecar_with_another_size_fails_FileChecksum()
    {
        var record = MakeBackup();
        EditSidecar(record, j => j["sizeBytes"] = record.SizeBytes + 1);
        var result = VerifyPath(record.Path);
        AssertFailed(result, "wrong sidecar size");
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Failed);
    }

    [Fact]
    public void The_sidecar_of_another_backup_fails_FileChecksum_and_Manifest()
    {
        var a = MakeBackup(name: "alpha");
        var b = MakeBackup(name: "beta");
        File.Copy(b.SidecarPath, a.SidecarPath, overwrite: true);
        var result = VerifyPath(a.Path);
        AssertFailed(result, "sidecar of another backup");
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Failed);
        Backups.CheckOutcome(result, "Manifest", CheckOutcome.Failed);
    }

    [Fact]
    public void A_sidecar_entry_hash_that_does_not_match_fails_EntryChecksums()
    {
        var record = MakeBackup();
        EditSidecar(record, j => j["manifest"]!["entries"]![0]!["sha256"] = new string('a', 64));
        var result = VerifyPath(record.Path);
        AssertFailed(result, "wrong entry hash");
        Backups.CheckOutcome(result, "EntryChecksums", CheckOutcome.Failed);
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Passed);
    }

    [Fact]
    public void A_row_count_that_does_not_match_fails_RowCounts()
    {
        // The manifest inside the archive and the sidecar agree (and every checksum holds), but not with the data.
        var record = MakeBackup();
        Backups.EditBothManifests(record, CompressionKind.Zstd, m => m["tables"]![0]!["rows"] = 1);
        var result = VerifyPath(record.Path);
        AssertFailed(result, "wrong row count");
        Backups.CheckOutcome(result, "RowCounts", CheckOutcome.Failed);
        Backups.CheckOutcome(result, "IntegrityCheck", CheckOutcome.Passed);
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Passed);
        Assert.DoesNotContain(result.Checks, c => c.Name == "Manifest");
    }

    [Theory]
    [InlineData("rows")]
    [InlineData("name")]
    [InlineData("drop")]
    public void A_sidecar_whose_tables_differ_from_the_archive_fails_Manifest(string edit)
    {
        // The sidecar is a cache of the manifest inside: an edited count there must not become the truth.
        var record = MakeBackup();
        EditSidecar(record, j =>
        {
            var tables = j["manifest"]!["tables"]!.AsArray();
            if (edit == "rows") tables[0]!["rows"] = tables[0]!["rows"]!.GetValue<long>() + 1;
            else if (edit == "name") tables[0]!["name"] = "elsewhere";
            else tables.RemoveAt(0);
        });
        var result = VerifyPath(record.Path);
        AssertFailed(result, "sidecar tables edited");
        Backups.CheckOutcome(result, "Manifest", CheckOutcome.Failed);
        Assert.Contains("tables", result.Checks.Single(c => c.Name == "Manifest").Message);
        var error = Assert.Throws<BackupException>(() => RestoreOperation.Plan(new RestoreRequest { Path = record.Path, Target = _temp["restored.db"] }));
        Assert.Equal("SidecarMismatch", error.ErrorId);
        Assert.False(File.Exists(_temp["restored.db"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_backup_of_a_corrupt_database_fails_IntegrityCheck(bool quick)
    {
        var db = _temp["corrupt.db"];
        using (var c = Db.Open(db))
        {
            Db.Exec(c, "CREATE TABLE t (a INTEGER, b TEXT); CREATE INDEX t_a ON t(a);");
            Db.Exec(c, "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 500) INSERT INTO t SELECT v, 'row ' || v FROM s");
            // Make the index's definition disagree with its content: the database opens but is inconsistent.
            Db.Exec(c, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE INDEX t_a ON t(b)' WHERE name = 't_a'; PRAGMA writable_schema = OFF;");
        }
        Assert.NotEqual("ok", Tool.Ok("sqlite3", null, db, "PRAGMA integrity_check").Trim());
        var record = Backups.Make(db, _temp["backups"]);

        var result = VerifyOperation.Run(new VerifyRequest { Record = record, Quick = quick, ScratchDirectory = Scratch }, OperationContext.None);

        if (quick)
        {
            // quick_check skips index consistency, the very damage made here: it must pass, and say it only did a quick check.
            Assert.True(result.Passed, result.FailureReason);
            Assert.Contains("quick_check", result.Checks.Single(c => c.Name == "IntegrityCheck").Message);
        }
        else
        {
            AssertFailed(result, "corrupt database");
            Backups.CheckOutcome(result, "IntegrityCheck", CheckOutcome.Failed);
            Backups.CheckOutcome(result, "EntryChecksums", CheckOutcome.Passed);
        }
    }

    [Fact]
    public void A_missing_backup_file_is_BackupNotFound()
    {
        var ex = Assert.Throws<BackupException>(() => Backups.Verify(_temp["nope.tar.zst"], Scratch));
        Assert.Equal("BackupNotFound", ex.ErrorId);
    }

    [Fact]
    public void A_folder_is_BackupPathIsFolder()
    {
        var ex = Assert.Throws<BackupException>(() => Backups.Verify(_temp.CreateDirectory("folder"), Scratch));
        Assert.Equal("BackupPathIsFolder", ex.ErrorId);
    }

    [Fact]
    public void A_file_that_is_not_a_backup_fails_verification()
    {
        var result = VerifyPath(_temp.WriteFile("notes.tar.zst", "just text"));
        AssertFailed(result, "not a backup");
        Backups.CheckOutcome(result, "Archive", CheckOutcome.Failed);
        // A tar made by GNU tar is a tar, but not a BackupPS backup.
        _temp.WriteFile("plain/x.txt", "x");
        Tool.Ok("tar", _temp["plain"], "--zstd", "-cf", _temp["plain.tar.zst"], "x.txt");
        AssertFailed(VerifyPath(_temp["plain.tar.zst"]), "foreign tar");
    }
}
