using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Operations;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests;

/// <summary>The local folder through IBackupDestination: what every operation (and S3) relies on.</summary>
public sealed class DestinationTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Sidecar SidecarFor(string fileName, byte[] content) => new()
    {
        BackupFile = fileName,
        SizeBytes = content.Length,
        Sha256 = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant(),
        Manifest = new Manifest { Id = Guid.NewGuid(), DatabaseName = "x", CreatedUtc = DateTimeOffset.UtcNow },
    };

    [Fact]
    public void Open_chooses_the_kind_by_the_s3_scheme()
    {
        Assert.IsType<LocalFolderDestination>(StoreRegistry.Open(_temp["b"]));
        var s3 = Assert.IsType<S3Destination>(StoreRegistry.Open("s3://my-bucket/some/prefix/", new StoreConnections { S3 = new S3Settings { Endpoint = "http://127.0.0.1:9", AccessKey = "k", SecretKey = "s" } }));
        Assert.Equal("s3://my-bucket/some/prefix", s3.Location);
        Assert.Equal("s3://my-bucket/some/prefix/a.tar.zst", s3.PathOf("a.tar.zst"));
        Assert.Null(s3.LocalFolder);
        Assert.Null(s3.Space);
        Assert.Equal("s3://my-bucket", StoreRegistry.Open("S3://my-bucket", new StoreConnections { S3 = new S3Settings { Endpoint = "http://127.0.0.1:9", AccessKey = "k", SecretKey = "s" } }).Location);
    }

    [Theory]
    [InlineData("azblob://container/prefix")]
    [InlineData("ftp://host/folder")]
    public void An_unknown_scheme_is_refused_naming_the_known_ones(string location)
    {
        var ex = Assert.Throws<BackupException>(() => StoreRegistry.Open(location));
        Assert.Equal("StoreUnknownScheme", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("s3://", ex.Message);
        Assert.Equal("StoreUnknownScheme", Assert.Throws<BackupException>(() => StoreRegistry.Locate(location + "/x.tar.zst")).ErrorId);
        Assert.False(Directory.Exists(location)); // never taken for a relative folder name
    }

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3://ab")]
    [InlineData("s3://bad bucket/x")]
    [InlineData("s3://bucket//x")]
    public void Invalid_s3_locations_are_refused(string location)
    {
        var ex = Assert.Throws<BackupException>(() => StoreRegistry.Open(location, new StoreConnections { S3 = new S3Settings { Endpoint = "http://127.0.0.1:9", AccessKey = "k", SecretKey = "s" } }));
        Assert.Equal("S3InvalidLocation", ex.ErrorId);
        Assert.Equal(BackupErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void A_half_given_credential_is_refused_without_echoing_the_secret()
    {
        var ex = Assert.Throws<BackupException>(() => StoreRegistry.Open("s3://bucket/x", new StoreConnections { S3 = new S3Settings { Endpoint = "http://127.0.0.1:9", AccessKey = "AKIAEXAMPLE", SecretKey = "" } }));
        Assert.Equal("S3CredentialsMissing", ex.ErrorId);
        var settings = new S3Settings { AccessKey = "AKIAEXAMPLE", SecretKey = "very-secret-value" };
        Assert.DoesNotContain("very-secret-value", settings.ToString());
    }

    [Fact]
    public void A_completed_write_is_listed_with_its_sidecar_and_reads_back()
    {
        IBackupDestination destination = new LocalFolderDestination(_temp["backups"]);
        destination.EnsureWritable();
        var content = System.Text.Encoding.UTF8.GetBytes("backup bytes");
        BackupRecord record;
        using (var writer = destination.CreateBackup("x_20240101T000000Z_aaaaaaaa.tar", OperationContext.None))
        {
            writer.Stream.Write(content);
            Assert.Empty(destination.List()); // not listed before Complete
            Assert.True(File.Exists(writer.Path + BackupNaming.PartialSuffix));
            record = writer.Complete(SidecarFor("x_20240101T000000Z_aaaaaaaa.tar", content));
        }
        var listed = Assert.Single(destination.List());
        Assert.Equal(record.Path, listed.Path);
        Assert.Same(destination, listed.Destination);
        Assert.Equal(destination.Location, listed.Destination.Location);
        Assert.False(File.Exists(record.Path + BackupNaming.PartialSuffix));
        using (var read = destination.OpenRead(listed))
        using (var ms = new MemoryStream())
        {
            read.CopyTo(ms);
            Assert.Equal(content, ms.ToArray());
        }
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(record.Path));
        Assert.NotNull(destination.Space);

        // Find: the listed backup of a name, in one look-up; nothing for an unknown name or a file without its sidecar.
        Assert.Equal(record.Path, destination.Find("x_20240101T000000Z_aaaaaaaa.tar")!.Path);
        Assert.Null(destination.Find("x_20240101T000000Z_cccccccc.tar"));
        File.WriteAllBytes(destination.PathOf("x_20240101T000000Z_dddddddd.tar"), content);
        Assert.Null(destination.Find("x_20240101T000000Z_dddddddd.tar"));
    }

    [Fact]
    public void A_write_disposed_without_Complete_leaves_nothing()
    {
        IBackupDestination destination = new LocalFolderDestination(_temp["backups"]);
        destination.EnsureWritable();
        using (var writer = destination.CreateBackup("x_20240101T000000Z_bbbbbbbb.tar", OperationContext.None))
            writer.Stream.Write(new byte[1000]);
        Assert.Empty(destination.List());
        Assert.Empty(_temp.Listing(_temp["backups"]));
    }

    [Fact]
    public void WriteSidecar_and_Delete_work_through_the_record()
    {
        var db = _temp["app.db"];
        Db.Create(db);
        var made = Backups.Make(db, _temp["backups"]);
        var record = Assert.Single(made.Destination.List());
        record.Sidecar.LastVerificationPassed = false;
        record.Destination.WriteSidecar(record, record.Sidecar);
        Assert.False(Assert.Single(made.Destination.List()).Sidecar.LastVerificationPassed);
        record.Destination.Delete(record);
        Assert.Empty(made.Destination.List());
        Assert.False(File.Exists(record.Path));
    }

    [Fact]
    public void Audit_lines_append_in_order_to_audit_jsonl()
    {
        IBackupDestination destination = new LocalFolderDestination(_temp["backups"]);
        destination.EnsureWritable();
        Assert.Empty(destination.ReadAuditLines());
        destination.AppendAuditLine("{\"n\":1}");
        destination.AppendAuditLine("{\"n\":2}\n");
        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], destination.ReadAuditLines());
        Assert.Equal("{\"n\":1}\n{\"n\":2}\n", File.ReadAllText(_temp["backups", "audit.jsonl"]));
        Assert.Empty(destination.List()); // the audit log is no backup
    }

    [Fact]
    public void Copy_to_another_folder_verifies_and_lists_the_copy_and_skips_existing()
    {
        var db = _temp["app.db"];
        Db.Create(db);
        var source = Backups.Make(db, _temp["a"]);
        var target = StoreRegistry.Open(_temp["b"]);
        var copy = CopyOperation.Run(source, target, skipExisting: false, OperationContext.None);
        Assert.NotNull(copy);
        Assert.Equal(source.Sha256, copy!.Sha256);
        Assert.Equal(File.ReadAllBytes(source.Path), File.ReadAllBytes(copy.Path));
        Assert.Equal(source.Id, Assert.Single(target.List()).Id);
        Assert.True(Backups.Verify(copy.Path).Passed);
        Assert.Null(CopyOperation.Run(source, target, skipExisting: true, OperationContext.None));
        var again = Assert.Throws<BackupException>(() => CopyOperation.Run(source, target, skipExisting: false, OperationContext.None));
        Assert.Equal("BackupAlreadyExists", again.ErrorId);
    }

    [Fact]
    public void A_copy_whose_bytes_differ_from_the_sidecar_is_refused_and_not_listed()
    {
        var db = _temp["app.db"];
        Db.Create(db);
        var source = Backups.Make(db, _temp["a"]);
        var bytes = File.ReadAllBytes(source.Path);
        bytes[bytes.Length / 2] ^= 0x40; // bit rot after the backup was written
        File.WriteAllBytes(source.Path, bytes);
        var target = StoreRegistry.Open(_temp["b"]);
        var ex = Assert.Throws<BackupException>(() => CopyOperation.Run(source, target, skipExisting: false, OperationContext.None));
        Assert.Equal("CopyChecksumMismatch", ex.ErrorId);
        Assert.Empty(target.List());
        Assert.Empty(_temp.Listing(_temp["b"]));
    }
}
