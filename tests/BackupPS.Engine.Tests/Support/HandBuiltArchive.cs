using System.Formats.Tar;
using System.Text;
using BackupPS.Engine.Compression;
using BackupPS.Engine.Format;
using BackupPS.Engine.Model;

namespace BackupPS.Engine.Tests.Support;

/// <summary>
/// Builds backup archives by hand with System.Formats.Tar (any entry type, any name, any order) and the engine's
/// compressor, to feed the reader what BackupPS itself would never write.
/// </summary>
public sealed class HandBuiltArchive
{
    public static readonly byte[] DatabaseBytes = CreateDatabaseBytes();
    public static readonly byte[] FileBytes = "hello from a.txt\n"u8.ToArray();

    public Manifest Manifest { get; } = new()
    {
        Id = Guid.NewGuid(),
        DatabaseName = "app",
        Type = BackupType.Full,
        CreatedUtc = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Tool = "BackupPS",
        SourcePath = "/nonexistent/app.db",
        Tables = [new TableRowCount { Name = "t", Rows = 3 }],
        FileRoots = [new FileRoot { Name = "r", OriginalPath = "/nonexistent/r", IsDirectory = true }],
        Entries =
        [
            new ManifestEntry { Path = "database/app.db", Kind = EntryKind.Database, Size = DatabaseBytes.Length, Mode = "0600", ModifiedUtc = DateTimeOffset.UnixEpoch },
            new ManifestEntry { Path = "files/r/", Kind = EntryKind.Directory, Mode = "0755", ModifiedUtc = DateTimeOffset.UnixEpoch },
            new ManifestEntry { Path = "files/r/a.txt", Kind = EntryKind.File, Size = FileBytes.Length, Mode = "0644", ModifiedUtc = DateTimeOffset.UnixEpoch },
        ],
    };

    /// <summary>The tar entries in order; null stands for manifest.json (serialised from <see cref="Manifest"/> when written).</summary>
    public List<TarEntry?> Entries { get; } = [];

    /// <summary>A well-formed archive: manifest, the database, the folder, the file, checksums.sha256.</summary>
    public static HandBuiltArchive Valid()
    {
        var archive = new HandBuiltArchive();
        archive.Entries.Add(null);
        archive.Entries.Add(File("database/app.db", DatabaseBytes));
        archive.Entries.Add(new PaxTarEntry(TarEntryType.Directory, "files/r/") { Mode = (UnixFileMode)0x1ED });
        archive.Entries.Add(File("files/r/a.txt", FileBytes));
        archive.Entries.Add(Checksums(("database/app.db", DatabaseBytes), ("files/r/a.txt", FileBytes)));
        return archive;
    }

    public static PaxTarEntry File(string name, byte[] content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0x1A4, ModificationTime = DateTimeOffset.UnixEpoch };

    public static PaxTarEntry Checksums(params (string Name, byte[] Content)[] files) =>
        File(Format.Manifest.ChecksumsEntryName, Encoding.UTF8.GetBytes(string.Concat(files.Select(f => $"{Bytes.Sha256Hex(f.Content)}  {f.Name}\n"))));

    public int IndexOf(string name) => Entries.FindIndex(e => e?.Name == name);

    public string Write(string path, CompressionKind compression = CompressionKind.Zstd, byte[]? manifestJson = null, byte[]? trailing = null)
    {
        var tar = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in Entries)
            {
                var e = entry ?? File(Format.Manifest.EntryName, manifestJson ?? FormatJson.Serialize(Manifest));
                e.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(e);
            }
        }
        if (trailing is not null) tar.Write(trailing);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        var compressor = Codec.CreateCompressor(compression, file, null);
        compressor.Write(tar.ToArray());
        Codec.Finish(compressor);
        compressor.Dispose();
        return path;
    }

    private static byte[] CreateDatabaseBytes()
    {
        var path = Path.Combine(Path.GetTempPath(), "backupps-xunit-handbuilt-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            using (var c = Db.Open(path)) Db.Exec(c, "CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);");
            return System.IO.File.ReadAllBytes(path);
        }
        finally { System.IO.File.Delete(path); }
    }
}
