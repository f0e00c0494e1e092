using System.Text;
using BackupPS.Engine.Encryption;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>Encrypted backups through the real operations: sidecar redaction, key-less checks, deep checks, restore, keys vs damage.</summary>
public sealed class EncryptionBackupTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Scratch => _temp.CreateDirectory("scratch");

    private BackupRecord MakeEncrypted(KeyRing keys, string name = "secretapp")
    {
        var db = Db.Create(_temp[name + ".db"], customers: 400);
        var dir = _temp.CreateDirectory("private-files");
        _temp.WriteFile("private-files/salaries.txt", Bytes.Text(20_000, 3));
        return BackupOperation.Run(new BackupRequest
        {
            DatabasePath = db, IncludePaths = [dir], Destination = _temp["backups"], Description = "quarterly payroll", Tags = ["nightly"],
            LockTimeout = TimeSpan.FromSeconds(5), Encryption = keys,
        }, OperationContext.None);
    }

    private VerifyResult Verify(BackupRecord record, KeyRing? keys) =>
        VerifyOperation.Run(new VerifyRequest { Record = record, ScratchDirectory = Scratch }, new OperationContext { Keys = keys });

    [Fact]
    public void The_backup_file_starts_with_the_encryption_header_and_tar_cannot_read_it()
    {
        using var keys = TestKeys.Pass("pw");
        var record = MakeEncrypted(keys);
        Assert.True(record.Encrypted);
        Assert.True(EncryptedBackups.IsEncrypted(record.Path));
        var bytes = File.ReadAllBytes(record.Path);
        Assert.Equal("BPSENC"u8.ToArray(), bytes[..6]);
        foreach (var secret in new[] { "customers", "salaries", "private-files", _temp.Path, "quarterly payroll" })
            Assert.DoesNotContain(secret, Encoding.Latin1.GetString(bytes));
    }

    [Fact]
    public void The_sidecar_reveals_only_what_listing_needs()
    {
        using var keys = TestKeys.Pass("pw");
        var record = MakeEncrypted(keys);
        var sidecar = File.ReadAllText(record.SidecarPath);
        foreach (var secret in new[] { "customers", "orders", "salaries", "private-files", _temp.Path, "quarterly payroll", Environment.UserName, Environment.MachineName, "pageSize", "\"rows\"" })
            Assert.DoesNotContain(secret, sidecar, StringComparison.Ordinal);
        using var json = Backups.ReadJson(record.SidecarPath);
        Assert.True(json.RootElement.GetProperty("encrypted").GetBoolean());
        Assert.Equal(record.Id, json.RootElement.GetProperty("manifest").GetProperty("id").GetGuid());
        Assert.Equal("nightly", json.RootElement.GetProperty("manifest").GetProperty("tags")[0].GetString());
        Assert.True(record.DatabaseSizeBytes > 0);
        var listed = new Destinations.LocalFolderDestination(_temp["backups"]).List().Single(r => r.Id == record.Id);
        Assert.True(listed.Encrypted);
        Assert.Equal(record.Sha256, listed.Sha256);
    }

    [Fact]
    public void Without_a_key_the_file_is_checked_the_deep_checks_are_skipped_and_the_result_is_partial()
    {
        using var keys = TestKeys.Pass("pw");
        var record = MakeEncrypted(keys);
        var result = Verify(record, null);
        // Only the outside was checked: not a pass, and not recorded as a verification.
        Assert.False(result.Passed);
        Assert.Equal(VerifyStatus.Partial, result.Status);
        Assert.Contains("were not verified", result.FailureReason);
        Assert.Null(new Destinations.LocalFolderDestination(_temp["backups"]).List().Single(r => r.Id == record.Id).LastVerifiedUtc);
        Backups.CheckOutcome(result, "FileChecksum", CheckOutcome.Passed);
        Backups.CheckOutcome(result, "Encryption", CheckOutcome.Passed);
        foreach (var check in new[] { "Archive", "EntryChecksums", "IntegrityCheck", "RowCounts" })
        {
            Backups.CheckOutcome(result, check, CheckOutcome.Skipped);
            Assert.Contains("needs the passphrase or a recipient's private key", result.Checks.First(c => c.Name == check).Message);
        }
        Bytes.FlipByte(record.Path, new FileInfo(record.Path).Length / 2);
        var damaged = Verify(record, null);
        Assert.False(damaged.Passed);
        Assert.Equal(VerifyStatus.Failed, damaged.Status);
        Assert.Contains("damaged", damaged.FailureReason);
    }

    [Fact]
    public void With_the_key_every_check_runs_on_the_decrypted_archive()
    {
        using var keys = TestKeys.Pass("pw");
        var record = MakeEncrypted(keys);
        var result = Verify(record, keys);
        Assert.True(result.Passed, result.FailureReason);
        Assert.Equal(["FileChecksum", "Archive", "EntryChecksums", "IntegrityCheck", "RowCounts"], result.Checks.Select(c => c.Name));
        Assert.All(result.Checks, c => Assert.Equal(CheckOutcome.Passed, c.Outcome));
        Assert.Contains(result.Manifest!.Tables, t => t.Name == "customers" && t.Rows == 400);
    }

    [Fact]
    public void A_wrong_passphrase_is_an_error_and_damage_is_a_failed_check()
    {
        using var keys = TestKeys.Pass("pw");
        using var wrong = TestKeys.Pass("not it");
        var record = MakeEncrypted(keys);
        Assert.Equal("WrongPassphrase", Assert.Throws<BackupException>(() => Verify(record, wrong)).ErrorId);

        var length = new FileInfo(record.Path).Length;
        Bytes.FlipByte(record.Path, length - 100); // inside the last chunk: the key opens, the chunk tag fails
        var damaged = Verify(record, keys);
        Assert.False(damaged.Passed);
        Assert.Contains("failed authentication", damaged.FailureReason);
        Backups.CheckOutcome(damaged, "FileChecksum", CheckOutcome.Failed);

        // A damaged key slot with the wrong passphrase: the header checksum reports damage, not a wrong key.
        Bytes.FlipByte(record.Path, length - 100);
        Bytes.FlipByte(record.Path, 40);
        Assert.False(Verify(record, wrong).Passed);
    }

    [Fact]
    public void Restore_needs_the_key_and_restores_with_it()
    {
        using var keys = TestKeys.Pass("pw");
        var record = MakeEncrypted(keys);
        var target = _temp["restored.db"];
        var request = new RestoreRequest { Record = record, Target = target, FilesTarget = _temp["restored-files"] };
        Assert.Equal("EncryptionKeyRequired", Assert.Throws<BackupException>(() => RestoreOperation.Plan(request)).ErrorId);
        using (var wrong = TestKeys.Pass("nope"))
            Assert.Equal("WrongPassphrase", Assert.Throws<BackupException>(() => RestoreOperation.Plan(request, wrong)).ErrorId);
        Assert.False(File.Exists(target));

        var plan = RestoreOperation.Plan(request, keys);
        var result = RestoreOperation.Run(plan, request, new OperationContext { Keys = keys });
        Assert.Equal("ok", result.IntegrityCheck);
        Assert.Equal(400, Db.Count(target, "customers"));
        Assert.Equal(Bytes.Text(20_000, 3), File.ReadAllBytes(_temp["restored-files/private-files/salaries.txt"]));

        // Restoring over an existing target: the safety backup of an encrypted backup's target is encrypted too.
        var again = RestoreOperation.Run(RestoreOperation.Plan(request, keys), request, new OperationContext { Keys = keys });
        Assert.NotNull(again.SafetyBackup);
        Assert.True(again.SafetyBackup!.Encrypted);
        Assert.True(EncryptedBackups.IsEncrypted(again.SafetyBackup.Path));
    }

    [Fact]
    public void A_certificate_recipient_restores_what_a_public_key_encrypted()
    {
        using var cert = TestKeys.Certificate("restore-team");
        using var publicOnly = new KeyRing(null, [TestKeys.PublicOnly(cert)]);
        var record = MakeEncrypted(publicOnly);
        using var withPrivate = new KeyRing(null, [cert]);
        Assert.True(Verify(record, withPrivate).Passed);
        using var stranger = TestKeys.Certificate("stranger");
        using var strangerRing = new KeyRing(null, [stranger]);
        Assert.Equal("NotARecipient", Assert.Throws<BackupException>(() => Verify(record, strangerRing)).ErrorId);
    }

    [Fact]
    public void A_passphrase_file_must_be_private()
    {
        var file = _temp.WriteFile("pass.txt", "s3cret passphrase\r\nsecond line ignored\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Equal("PassphraseFileInsecure", Assert.Throws<BackupException>(() => KeySources.ReadPassphraseFile(file)).ErrorId);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("s3cret passphrase", Encoding.UTF8.GetString(KeySources.ReadPassphraseFile(file)));
        var empty = _temp.WriteFile("empty.txt", "\n");
        File.SetUnixFileMode(empty, UnixFileMode.UserRead);
        Assert.Equal("PassphraseEmpty", Assert.Throws<BackupException>(() => KeySources.ReadPassphraseFile(empty)).ErrorId);
    }
}
