using System.Security.Cryptography;
using BackupPS.Engine.Destinations;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;
using BackupPS.Engine.Tests.Support;

namespace BackupPS.Engine.Tests.StoreContract;

/// <summary>
/// What every store must do, the same theories against each registered kind, opened through the StoreRegistry by
/// location: a local folder and the S3 test server (Azure: not yet). Each test gets a fresh, empty location.
/// </summary>
public sealed class StoreContractTests : IClassFixture<S3TestServer>, IDisposable
{
    private readonly S3TestServer _s3;
    private readonly TempDir _temp = new();

    public StoreContractTests(S3TestServer s3) => _s3 = s3;

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Stores => new() { "local", "s3" };

    private IBackupDestination Fresh(string kind)
    {
        var unique = Guid.NewGuid().ToString("N")[..12];
        var store = kind switch
        {
            "local" => StoreRegistry.Open(_temp["store-" + unique]),
            "s3" => StoreRegistry.Open($"s3://{S3TestServer.Bucket}/contract-{unique}", _s3.Connections),
            _ => throw new ArgumentException(kind),
        };
        store.EnsureWritable();
        return store;
    }

    private static string NameOf(int n) => $"contract_20240101T0000{n:00}Z_{n:x8}.tar.zst";

    private static Sidecar SidecarFor(string fileName, byte[] content, string? description = null) => new()
    {
        BackupFile = fileName,
        SizeBytes = content.Length,
        Sha256 = Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant(),
        Manifest = new Manifest { Id = Guid.NewGuid(), DatabaseName = "contract", CreatedUtc = DateTimeOffset.UtcNow, Description = description },
    };

    /// <summary>Not compressible and more than one 5 MiB S3 part, so a multipart upload and several ranged reads happen.</summary>
    private static byte[] Content(int size = (11 << 20) + 12345)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    private static BackupRecord Write(IBackupDestination store, string name, byte[] content)
    {
        using var writer = store.CreateBackup(name, OperationContext.None);
        writer.Stream.Write(content);
        return writer.Complete(SidecarFor(name, content));
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Theory, MemberData(nameof(Stores))]
    public void A_completed_write_is_listed_found_and_reads_back_byte_exact(string kind)
    {
        var store = Fresh(kind);
        var content = Content();
        var written = Write(store, NameOf(1), content);

        var listed = Assert.Single(store.List());
        Assert.Equal(written.Path, listed.Path);
        Assert.Equal(store.PathOf(NameOf(1)), listed.Path);
        Assert.Equal(content.Length, listed.SizeBytes);
        Assert.NotNull(store.Find(NameOf(1)));
        using var read = store.OpenRead(listed);
        Assert.Equal(content.Length, read.Length);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(ReadAll(read)));
    }

    [Theory, MemberData(nameof(Stores))]
    public void A_read_resumes_at_any_offset(string kind)
    {
        var store = Fresh(kind);
        var content = Content();
        var record = Write(store, NameOf(2), content);
        using var read = store.OpenRead(record);
        var head = new byte[1000];
        read.ReadExactly(head);
        Assert.Equal(content[..1000], head);
        var offset = content.Length - (6 << 20) - 7; // back across a part boundary
        read.Seek(offset, SeekOrigin.Begin);
        Assert.Equal(offset, read.Position);
        Assert.Equal(SHA256.HashData(content.AsSpan(offset)), SHA256.HashData(ReadAll(read)));
        read.Position = 3;
        var three = new byte[5];
        read.ReadExactly(three);
        Assert.Equal(content[3..8], three);
    }

    [Theory, MemberData(nameof(Stores))]
    public void A_backup_being_written_is_not_listed_and_an_aborted_one_leaves_nothing(string kind)
    {
        var store = Fresh(kind);
        var content = Content();
        using (var writer = store.CreateBackup(NameOf(3), OperationContext.None))
        {
            writer.Stream.Write(content);
            writer.Stream.Flush();
            Assert.Empty(store.List());
            Assert.Null(store.Find(NameOf(3)));
        } // disposed without Complete: aborted
        Assert.Empty(store.List());
        Assert.Null(store.Find(NameOf(3)));
        // The name is free again and a later write of it completes.
        Write(store, NameOf(3), content[..100]);
        Assert.Equal(100, Assert.Single(store.List()).SizeBytes);
    }

    [Theory, MemberData(nameof(Stores))]
    public void The_sidecar_is_replaced_whole_and_speaks_for_the_backup(string kind)
    {
        var store = Fresh(kind);
        var content = Content(4096);
        var record = Write(store, NameOf(4), content);
        store.WriteSidecar(record, SidecarFor(NameOf(4), content, "replaced"));
        var listed = Assert.Single(store.List());
        Assert.Equal("replaced", listed.Sidecar.Manifest.Description);
        Assert.Equal(record.Path, listed.Path);
    }

    [Theory, MemberData(nameof(Stores))]
    public void Delete_removes_one_backup_and_leaves_the_others(string kind)
    {
        var store = Fresh(kind);
        var content = Content(2048);
        var first = Write(store, NameOf(5), content);
        Write(store, NameOf(6), content);
        store.Delete(first);
        Assert.Equal(store.PathOf(NameOf(6)), Assert.Single(store.List()).Path);
        Assert.Null(store.Find(NameOf(5)));
    }

    [Theory, MemberData(nameof(Stores))]
    public void A_listed_backup_is_never_overwritten(string kind)
    {
        var store = Fresh(kind);
        var content = Content(3000);
        var record = Write(store, NameOf(9), content);
        var ex = Assert.Throws<BackupException>(() => Write(store, NameOf(9), Content(100)));
        Assert.Equal("BackupAlreadyExists", ex.ErrorId);
        var listed = Assert.Single(store.List());
        Assert.Equal(record.Sidecar.Sha256, listed.Sidecar.Sha256);
        using var read = store.OpenRead(listed);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(ReadAll(read)));
    }

    [Theory, MemberData(nameof(Stores))]
    public void Audit_lines_append_in_order(string kind)
    {
        var store = Fresh(kind);
        Assert.Empty(store.ReadAuditLines());
        store.AppendAuditLine("{\"n\":1}");
        store.AppendAuditLine("{\"n\":2}");
        Assert.Equal(["{\"n\":1}", "{\"n\":2}"], store.ReadAuditLines());
    }

    [Theory, MemberData(nameof(Stores))]
    public void A_located_path_is_the_listed_backup(string kind)
    {
        var store = Fresh(kind);
        Write(store, NameOf(7), Content(512));
        var located = StoreRegistry.Locate(store.PathOf(NameOf(7)), _s3.Connections);
        Assert.NotNull(located);
        Assert.Equal(store.PathOf(NameOf(7)), located.Path);
        Assert.Equal("BackupNotFound", Assert.Throws<BackupException>(() => StoreRegistry.Locate(store.PathOf(NameOf(8)), _s3.Connections)).ErrorId);
    }
}
